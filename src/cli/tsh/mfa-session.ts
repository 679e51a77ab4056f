/**
 * Per-session MFA for `tsh ssh`: when the cluster or one of the user's roles sets
 * `require_session_mfa`, tsh answers an MFA challenge (a TOTP code, or a security key through the
 * browser) and gets a one-minute certificate bound to the node, which it presents instead of the
 * login certificate for this session.
 */
import { createPublicKey } from 'node:crypto';
import { MFAClient, WebClient } from '../../api/client/index.js';
import { BadParameterError } from '../../api/errors.js';
import type { MFAAuthenticateResponse } from '../../api/mfa-wire.js';
import type { ProxyClient } from '../../client/index.js';
import { readPassword, type Invocation } from '../framework/index.js';
import { browserCeremony } from './mfa-browser.js';

/** The SSH certificate blob for a session as `login` on the node `node()` names (its UUID), or undefined when no MFA check is required. */
export async function sessionMFACert(inv: Invocation, proxy: ProxyClient, node: () => Promise<string>, login: string): Promise<Buffer | undefined> {
  const mfa = new MFAClient(proxy.authClient());
  if (!(await mfa.sessionMFARequired())) return undefined;
  const ch = await mfa.challenge();
  if (!ch.totp_challenge && !ch.webauthn_challenge) {
    throw new BadParameterError('this cluster requires an MFA check before each session (require_session_mfa), and you have no MFA device: add one with tsh mfa add');
  }
  let answer: MFAAuthenticateResponse;
  const code = ch.totp_challenge
    ? (await readPassword(inv.io, ch.webauthn_challenge ? 'Enter an OTP code from a device, or press Enter to use a security key:\n' : 'Enter an OTP code from a device:\n')).trim()
    : '';
  if (code !== '' || !ch.webauthn_challenge) {
    answer = { totp_code: code };
  } else {
    const id = proxy.identity;
    const web = new WebClient({ addr: id.webProxyAddr, insecure: id.insecure, caPems: id.tlsCAs });
    answer = { webauthn_response: (await browserCeremony(inv, web, id.webProxyAddr, 'login', ch.webauthn_challenge.publicKey)) as never };
  }
  const publicKey = createPublicKey(proxy.identity.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const certs = await mfa.sessionCerts({ ...answer, public_key: publicKey, node: await node(), login });
  return Buffer.from(certs.ssh.trim().split(/\s+/)[1], 'base64');
}
