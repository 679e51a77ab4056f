/**
 * The client of the proxy's web API (what tsh talks to first): ping, and the local login that
 * returns certificates. The proxy's certificate is verified against the system's CAs (or the
 * cluster's host CAs once known) unless `insecure` is set, as `tsh --insecure` does.
 */
import { request } from 'node:https';
import { ConnectionProblemError, errorFromWire } from '../errors.js';
import { splitHostPort } from './transport.js';

/** `GET /webapi/ping`, the parts tsh uses. */
export interface WebPing {
  cluster_name: string;
  server_version: string;
  auth: { type: string; second_factor: string };
  proxy: { ssh: { public_addr?: string; ssh_public_addr?: string; listen_addr?: string } };
}

/** `POST /webapi/ssh/certs` body (Teleport's CreateSSHCertReq). */
export interface CreateSSHCertReq {
  user: string;
  password: string;
  otp_token?: string;
  ssh_pub_key: string;
  tls_pub_key: string;
  /** Nanoseconds. */
  ttl?: number;
}

/** `POST /webapi/ssh/certs` response (SSHLoginResponse); []byte fields base64. */
export interface SSHLoginResponse {
  username: string;
  cert: string;
  tls_cert: string;
  host_signers: { domain_name: string; checking_keys: string[]; tls_certs: string[] }[];
}

/** Options: the proxy's `host:port`, and how to trust it. */
export interface WebClientOptions {
  addr: string;
  insecure?: boolean;
  caPems?: string[];
  timeoutMs?: number;
}

/** A proxy web API client. Methods throw the server's typed errors or ConnectionProblemError. */
export class WebClient {
  constructor(private readonly opts: WebClientOptions) {}

  ping(): Promise<WebPing> {
    return this.call('GET', '/webapi/ping');
  }

  sshCerts(req: CreateSSHCertReq): Promise<SSHLoginResponse> {
    return this.call('POST', '/webapi/ssh/certs', req);
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { host, port } = splitHostPort(this.opts.addr);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host,
          port,
          method,
          path,
          rejectUnauthorized: !this.opts.insecure,
          ...(this.opts.caPems && { ca: this.opts.caPems }),
          timeout: this.opts.timeoutMs ?? 30_000,
          agent: false,
          headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let parsed: { error?: { code?: string; message?: string } } & Record<string, unknown>;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
            } catch (err) {
              reject(new ConnectionProblemError(`${this.opts.addr} did not answer like a Teleport proxy (HTTP ${res.statusCode})`, { cause: err }));
              return;
            }
            if ((res.statusCode ?? 500) >= 400) {
              const code = parsed.error?.code ?? statusCode(res.statusCode ?? 500);
              reject(errorFromWire(code, parsed.error?.message ?? `HTTP ${res.statusCode}`));
              return;
            }
            resolve(parsed as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new ConnectionProblemError(`timed out talking to the proxy at ${this.opts.addr}`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ConnectionProblemError) return reject(err);
        const untrusted = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'];
        const msg = untrusted.includes(err.code ?? '')
          ? `the proxy at ${this.opts.addr} presented a certificate signed by an unknown authority; use a trusted certificate (proxy_service.https_keypairs), or --insecure to skip verification (not for production)`
          : err.code === 'ECONNREFUSED'
            ? `cannot connect to the proxy at ${this.opts.addr}: connection refused`
            : `request to the proxy at ${this.opts.addr} failed: ${err.message}`;
        reject(new ConnectionProblemError(msg, { cause: err }));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}

/** The proxy's web API sends `{error: {message}}` without a code: derive it from the status. */
function statusCode(status: number): string {
  return status === 403 || status === 401 ? 'access_denied' : status === 404 ? 'not_found' : status === 400 ? 'bad_parameter' : status === 429 ? 'limit_exceeded' : 'internal';
}
