/**
 * The proxy's web API for local users, in Teleport's shapes: `POST /webapi/ssh/certs` (what
 * `tsh login` calls), and the invite/reset flow (`GET /webapi/users/password/token/:token`,
 * `POST /webapi/mfa/token/:token/registerchallenge`, `PUT /webapi/users/password/token`).
 * `[]byte` fields are base64 in JSON, as Go encodes them.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { CompleteUserTokenRequest, UserCertsResponse } from '../../api/auth-wire.js';
import { BadParameterError } from '../../api/errors.js';
import type { WebAuthnRegistrationResponse } from '../../api/mfa-wire.js';
import type { ProxyAuth } from '../proxy-auth.js';
import { blobToPublicKey, parseAuthorizedKey } from '../../sshca/index.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Body of `POST /webapi/ssh/certs` (Teleport's CreateSSHCertReq). */
interface CreateSSHCertReq {
  user?: string;
  password?: string;
  otp_token?: string;
  /** Older clients: an authorized_keys public key used for both certificates. */
  pub_key?: string;
  ssh_pub_key?: string;
  /** PEM (PKIX) public key for the X.509 certificate. */
  tls_pub_key?: string;
  /** Nanoseconds, as Go's time.Duration. */
  ttl?: number;
  compatibility?: string;
  route_to_cluster?: string;
}

/** The key of a login request: `tls_pub_key` (PEM), else `ssh_pub_key`/`pub_key` (authorized_keys); BadParameterError when none parses. */
export function publicKeyOf(req: Pick<CreateSSHCertReq, 'tls_pub_key' | 'ssh_pub_key' | 'pub_key'>): KeyObject {
  try {
    if (req.tls_pub_key) return createPublicKey(Buffer.from(req.tls_pub_key, looksBase64(req.tls_pub_key) ? 'base64' : 'utf8').toString('utf8'));
    const line = req.ssh_pub_key ?? req.pub_key;
    if (line) {
      const text = looksBase64(line) ? Buffer.from(line, 'base64').toString('utf8') : line;
      return blobToPublicKey(parseAuthorizedKey(text).blob);
    }
  } catch (err) {
    throw new BadParameterError('the public key in the request could not be parsed', { cause: err });
  }
  throw new BadParameterError('missing public key: send ssh_pub_key or tls_pub_key');
}

/** JSON []byte fields arrive base64-encoded; PEM and authorized_keys text does not look like that. */
function looksBase64(s: string): boolean {
  return !s.includes(' ') && !s.includes('-----') && /^[A-Za-z0-9+/=\s]+$/.test(s);
}

/** `POST /webapi/ssh/certs`: password (+ TOTP) login returning SSHLoginResponse. */
export async function sshCerts(auth: ProxyAuth, body: unknown, remoteAddr?: string): Promise<Record<string, unknown>> {
  const req = (body ?? {}) as CreateSSHCertReq;
  const key = publicKeyOf(req);
  const res = await auth.loginSSH({
    user: String(req.user ?? ''),
    password: String(req.password ?? ''),
    ...(req.otp_token && { otp_token: req.otp_token }),
    public_key: key.export({ type: 'spki', format: 'pem' }).toString(),
    ...(typeof req.ttl === 'number' && req.ttl > 0 && { ttl_ms: Math.floor(req.ttl / 1e6) }),
    ...(req.compatibility && { cert_format: req.compatibility }),
    ...(req.route_to_cluster && { route_to_cluster: req.route_to_cluster }),
  }, remoteAddr ? { remoteAddr } : {});
  return sshLoginResponse(String(req.user), res);
}

/** Teleport's SSHLoginResponse for certificates auth issued (`[]byte` fields base64). */
export function sshLoginResponse(username: string, res: UserCertsResponse): Record<string, unknown> {
  return {
    username,
    cert: b64(res.ssh + '\n'),
    tls_cert: b64(res.tls),
    host_signers: [
      {
        domain_name: res.cluster_name,
        checking_keys: res.ssh_ca_keys.map((k) => b64(k + '\n')),
        tls_certs: res.tls_ca_certs.map(b64),
      },
    ],
  };
}

/** `GET /webapi/users/password/token/:token`. */
export async function tokenInfo(auth: ProxyAuth, token: string): Promise<Record<string, unknown>> {
  const info = await auth.userTokenInfo(token);
  return { tokenId: token, user: info.user, expiry: info.expires, type: info.type };
}

/** `POST /webapi/mfa/token/:token/registerchallenge` with `{deviceType: "totp"}`. */
export async function registerChallenge(auth: ProxyAuth, token: string, body: unknown): Promise<Record<string, unknown>> {
  const type: unknown = (body as { deviceType?: unknown; device_type?: unknown } | undefined)?.deviceType ?? (body as { device_type?: unknown })?.device_type ?? 'totp';
  if (typeof type !== 'string') throw new BadParameterError('deviceType must be a string such as "totp"');
  if (type === 'webauthn') {
    const usage = (body as { deviceUsage?: unknown } | undefined)?.deviceUsage;
    return { ...(await auth.webauthnRegistration(token, usage === 'passwordless')) };
  }
  if (type !== 'totp') throw new BadParameterError(`unsupported MFA device type "${type}": use totp or webauthn`);
  const reg = await auth.totpRegistration(token);
  return { totp: { secret: reg.secret, uri: reg.uri, account: reg.account } };
}

/** The auth request behind `PUT /webapi/users/password/token`'s body `{token, password (base64), second_factor_token}`. */
export function passwordTokenRequest(body: unknown): CompleteUserTokenRequest {
  const b = (body ?? {}) as { token?: string; password?: string; second_factor_token?: string; deviceName?: string; webauthnCreationResponse?: WebAuthnRegistrationResponse };
  const password = typeof b.password === 'string' ? Buffer.from(b.password, 'base64').toString('utf8') : '';
  return {
    token: String(b.token ?? ''),
    password,
    ...(b.second_factor_token && { otp_code: b.second_factor_token }),
    ...(b.deviceName && { device_name: b.deviceName }),
    ...(b.webauthnCreationResponse && typeof b.webauthnCreationResponse === 'object' && { webauthn_response: b.webauthnCreationResponse }),
  };
}
