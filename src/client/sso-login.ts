/**
 * tsh's side of an SSO login (Teleport's lib/client/redirect.go): a callback server on 127.0.0.1
 * (`--bind-addr`, else a random port), a fresh secret key, the console request to the proxy, a
 * short local link (`http://127.0.0.1:<port>/<id>`) that sends the browser to the IdP, and the
 * callback the proxy sends the browser back to with the login response sealed under the key. The
 * browser then lands on the proxy's success (or failure) page.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SSHLoginResponse } from '../api/client/index.js';
import { AccessDeniedError, BadParameterError, LimitExceededError } from '../api/errors.js';
import { newSecretKey, openSecret } from '../api/sso-secret.js';

/** How long tsh waits for the browser (Teleport's 3 minutes). */
export const SSO_CALLBACK_TIMEOUT_MS = 180_000;

/** What a console login needs. */
export interface SSOLoginOptions {
  /** Sends SSOLoginConsoleReq (`redirect_url` is tsh's callback with its secret key) and returns the IdP URL. */
  start(redirectURL: string): Promise<string>;
  /** `host:port` to listen on (`--bind-addr`); default 127.0.0.1 on a random port. */
  bindAddr?: string;
  /** `host:port` the browser reaches the callback at (`--callback`); default the bound address. */
  callbackAddr?: string;
  /** Shows the link (tsh prints it on stderr). */
  print(link: string): void;
  /** Opens the link in a browser; absent with `--browser=none`. */
  open?(link: string): void;
  /** `https://<proxy>` for the success and failure pages. */
  proxyURL: string;
  timeoutMs?: number;
}

/** Runs the login; resolves with the proxy's SSHLoginResponse. AccessDeniedError when the login failed. */
export async function ssoConsoleLogin(opts: SSOLoginOptions): Promise<SSHLoginResponse> {
  const id = randomUUID();
  const key = newSecretKey();
  let idpURL = '';
  let settle!: { resolve: (r: SSHLoginResponse) => void; reject: (e: unknown) => void };
  const done = new Promise<SSHLoginResponse>((resolve, reject) => (settle = { resolve, reject }));
  const server = createServer((req, res) => handle(req, res));
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === `/${id}` && idpURL) return go(res, idpURL);
    if (req.method !== 'GET' || url.pathname !== `/${id}/callback`) {
      res.writeHead(404).end('not found');
      return;
    }
    const err = url.searchParams.get('err');
    const sealed = url.searchParams.get('response');
    try {
      if (err !== null) throw new AccessDeniedError(`login failed: ${err}`);
      if (!sealed) throw new AccessDeniedError('the login callback carried no response');
      const parsed = JSON.parse(openSecret(key, sealed)) as SSHLoginResponse;
      if (typeof parsed?.cert !== 'string' || typeof parsed.tls_cert !== 'string') throw new AccessDeniedError('the login response holds no certificates');
      go(res, `${opts.proxyURL}/web/msg/info/login_success`);
      settle.resolve(parsed);
    } catch (e) {
      go(res, `${opts.proxyURL}/web/msg/error/login_failed`);
      settle.reject(e);
    }
  };
  const [host, port] = splitAddr(opts.bindAddr ?? '127.0.0.1:0');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new BadParameterError(`cannot listen on ${host}:${port} for the login callback: ${e.message}`, { cause: e })));
    server.listen(port, host, () => resolve());
  });
  const timer = setTimeout(() => settle.reject(new LimitExceededError('timed out waiting for the login to finish in the browser')), opts.timeoutMs ?? SSO_CALLBACK_TIMEOUT_MS);
  try {
    const bound = server.address();
    const local = typeof bound === 'object' && bound ? `127.0.0.1:${bound.port}` : `${host}:${port}`;
    const base = `http://${opts.callbackAddr ?? local}`;
    idpURL = await opts.start(`${base}/${id}/callback?secret_key=${key}`);
    const link = `${base}/${id}`;
    opts.print(link);
    opts.open?.(link);
    return await done;
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function go(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
}

function splitAddr(addr: string): [string, number] {
  const m = /^(.*):(\d{1,5})$/.exec(addr);
  if (!m) throw new BadParameterError(`--bind-addr "${addr}" is not host:port`);
  return [m[1].replace(/^\[|\]$/g, '') || '127.0.0.1', Number(m[2])];
}
