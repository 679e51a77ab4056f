/**
 * Plain HTTPS calls to a test cluster's proxy web listener (its certificate comes from the
 * cluster's host CA, which the system does not trust), with a tiny cookie jar: what a browser
 * sends, without a browser.
 */
import { request } from 'node:https';
import { WebSocket } from 'ws';
import { totpCode } from '../../src/auth/totp.js';
import type { TestCluster } from './cluster.js';

/** One response. */
export interface WebResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

/** A cookie jar and bearer token, as the UI keeps them. */
export class WebAgent {
  readonly cookies = new Map<string, string>();
  bearer?: string;
  csrf = 'a'.repeat(64);

  constructor(readonly c: TestCluster) {}

  /** Sends a request with the jar's cookies (and the bearer token when set). */
  call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<WebResponse> {
    const [host, port] = this.c.webAddr.split(':');
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const all: Record<string, string> = { ...headers };
    if (payload) all['content-type'] = 'application/json';
    if (this.cookies.size > 0) all.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.bearer && !all.authorization) all.authorization = `Bearer ${this.bearer}`;
    return new Promise((resolve, reject) => {
      const req = request({ host, port: Number(port), method, path, rejectUnauthorized: false, headers: all }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          for (const line of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
            const [pair, ...attrs] = line.split(';');
            const i = pair.indexOf('=');
            const name = pair.slice(0, i).trim();
            const value = pair.slice(i + 1).trim();
            if (value === '' || attrs.some((a) => /max-age=0/i.test(a))) this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** A CSRF-protected form post (the double-submit cookie and header, as the UI sends them). */
  formPost(method: string, path: string, body: unknown): Promise<WebResponse> {
    this.cookies.set('__Host-grv_csrf', this.csrf);
    return this.call(method, path, body, { 'x-csrf-token': this.csrf });
  }

  /** Logs in; keeps the bearer token on success. */
  async login(user: string, pass: string, otp: string): Promise<WebResponse> {
    const r = await this.formPost('POST', '/webapi/sessions/web', { user, pass, second_factor_token: otp });
    if (r.status === 200) this.bearer = String(r.json.token);
    return r;
  }

  /** Opens the terminal websocket (cookie on the upgrade, bearer token as the first frame unless `legacy`). */
  openTerminal(site: string, params: unknown, opts: { legacy?: boolean; token?: string } = {}): WebSocket {
    const q = new URLSearchParams({ params: JSON.stringify(params) });
    if (opts.legacy) q.set('access_token', opts.token ?? this.bearer ?? '');
    const path = opts.legacy ? `/webapi/sites/${site}/connect` : `/v1/webapi/sites/${site}/connect/ws`;
    const ws = new WebSocket(`wss://${this.c.webAddr}${path}?${q}`, {
      rejectUnauthorized: false,
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    ws.binaryType = 'nodebuffer';
    if (!opts.legacy) ws.once('open', () => ws.send(JSON.stringify({ token: opts.token ?? this.bearer })));
    return ws;
  }
}

/**
 * Creates `name` with `roles` and `logins` and completes the invite over `agent`'s proxy; returns the
 * TOTP secret. With `browser`, the completion is a browser's (CSRF pair sent) and logs `agent` in.
 */
export async function inviteUser(
  c: TestCluster,
  name: string,
  roles: string[],
  logins: string[],
  password: string,
  opts: { agent?: WebAgent; browser?: boolean } = {},
): Promise<string> {
  const admin = await c.admin();
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits: { logins } } });
  const invite = await admin.createUserToken(name, { type: 'invite' });
  const agent = opts.agent ?? new WebAgent(c);
  const reg = await agent.call('POST', `/webapi/mfa/token/${invite.token}/registerchallenge`, { deviceType: 'totp' });
  const secret = (reg.json.totp as { secret: string }).secret;
  const body = {
    token: invite.token,
    password: Buffer.from(password).toString('base64'),
    second_factor_token: totpCode(secret, Date.now()),
  };
  const done = opts.browser ? await agent.formPost('PUT', '/webapi/users/password/token', body) : await agent.call('PUT', '/webapi/users/password/token', body);
  if (done.status !== 200) throw new Error(`invite failed: ${done.text}`);
  if (opts.browser) {
    if (done.json.user !== name || typeof done.json.token !== 'string') throw new Error(`the invite did not log the browser in: ${done.text}`);
    agent.bearer = done.json.token;
  }
  return secret;
}

/** Waits until the cluster lists a node named `hostname`. */
export async function waitForNode(c: TestCluster, hostname: string): Promise<void> {
  const admin = await c.admin();
  for (let i = 0; i < 100; i++) {
    const nodes = await admin.listNodes<{ spec: { hostname: string } }>();
    if (nodes.some((n) => n.spec.hostname === hostname)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node ${hostname} never registered`);
}
