/**
 * The client of the proxy's web API (what tsh talks to first): ping, and the local login that
 * returns certificates. The proxy's certificate is verified against the system's CAs (or the
 * cluster's host CAs once known) unless `insecure` is set, as `tsh --insecure` does.
 */
import { call } from './transport.js';

/** `GET /webapi/ping`, the parts tsh uses. */
export interface WebPing {
  cluster_name: string;
  server_version: string;
  auth: { type: string; second_factor: string; connectors?: { kind: string; name: string; display: string }[]; github?: { name: string }; oidc?: { name: string }; saml?: { name: string } };
  proxy: { ssh: { public_addr?: string; ssh_public_addr?: string; listen_addr?: string }; db?: { mysql_listen_addr?: string } };
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

/** `POST /webapi/<kind>/login/console` body (Teleport's SSOLoginConsoleReq). */
export interface SSOLoginConsoleReq {
  /** tsh's callback with its `secret_key`. */
  redirect_url: string;
  connector_id: string;
  ssh_pub_key: string;
  tls_pub_key: string;
  /** Nanoseconds. */
  cert_ttl?: number;
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

  /** `POST /webapi/<kind>/login/console` (SSOLoginConsoleReq): the IdP URL a tsh SSO login starts at. */
  ssoLoginConsole(kind: string, req: SSOLoginConsoleReq): Promise<{ redirect_url: string }> {
    return this.call('POST', `/webapi/${encodeURIComponent(kind)}/login/console`, req);
  }

  /** Any other web API call (route groups with their own helpers, as tsh's MFA). */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.call(method, path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { addr, insecure, caPems, timeoutMs } = this.opts;
    const res = await call<T>(
      {
        addr,
        peerName: 'proxy',
        ...(insecure && { insecure }),
        ...(caPems && { caPems }),
        ...(timeoutMs && { timeoutMs }),
        untrustedHint: `the proxy at ${addr} presented a certificate signed by an unknown authority; use a trusted certificate (proxy_service.https_keypairs), or --insecure to skip verification (not for production)`,
      },
      method,
      path,
      body,
    );
    return res.body;
  }
}
