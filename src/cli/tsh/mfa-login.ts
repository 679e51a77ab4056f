/**
 * `tsh login` with a security key: the password is checked by `POST /webapi/mfa/login/begin`, the
 * key answers through the browser (mfa-browser.ts), and `POST /webapi/mfa/login/finish` returns the
 * certificates, as Teleport's `/webapi/mfa/login/begin|finish`.
 */
import type { SSHLoginResponse, WebClient } from '../../api/client/index.js';
import { BadParameterError } from '../../api/errors.js';
import type { MFAAuthenticateChallenge } from '../../api/mfa-wire.js';
import type { Invocation } from '../framework/index.js';
import { browserCeremony } from './mfa-browser.js';

/** The keys and options certificates are asked for. */
export interface LoginKeys {
  ssh_pub_key: string;
  tls_pub_key: string;
  ttl?: number;
}

/** A password + security key login; certificates in Teleport's SSHLoginResponse. */
export async function webauthnLogin(inv: Invocation, web: WebClient, proxyAddr: string, user: string, password: string, keys: LoginKeys): Promise<SSHLoginResponse> {
  const ch = await web.request<MFAAuthenticateChallenge>('POST', '/webapi/mfa/login/begin', { user, pass: password });
  if (!ch.webauthn_challenge) {
    throw new BadParameterError(`user ${user} has no security key registered: log in with an OTP code, or add a key with tsh mfa add --type=WEBAUTHN`);
  }
  const response = await browserCeremony(inv, web, proxyAddr, 'login', ch.webauthn_challenge.publicKey);
  return web.request<SSHLoginResponse>('POST', '/webapi/mfa/login/finish', { user, webauthn_challenge_response: response, ...keys });
}
