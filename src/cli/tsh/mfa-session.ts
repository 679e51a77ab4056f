/**
 * Per-session MFA for tsh: when the cluster or one of the user's roles sets `require_session_mfa`,
 * tsh answers an MFA challenge (a TOTP code, or a security key through the browser) and gets a
 * one-minute certificate bound to the session's target: a node (`tsh ssh`), a database route
 * (`tsh db connect`, `tsh proxy db --tunnel`) or a Kubernetes cluster (`tsh kube credentials`).
 */
import { createPublicKey } from 'node:crypto';
import { MFAClient, WebClient } from '../../api/client/index.js';
import type { UserCertsResponse } from '../../api/auth-wire.js';
import { BadParameterError } from '../../api/errors.js';
import type { MFAAuthenticateChallenge, MFAAuthenticateResponse, SessionMFACertsRequest } from '../../api/mfa-wire.js';
import type { ProxyClient } from '../../client/index.js';
import { readPassword, type Invocation } from '../framework/index.js';
import { browserCeremony } from './mfa-browser.js';

/** What a per-session MFA certificate is bound to: exactly one target. */
export type SessionMFATarget = Pick<SessionMFACertsRequest, 'node' | 'login' | 'route_to_database' | 'kubernetes_cluster'>;

/**
 * Certificates for one session with `target` after an MFA check, or undefined when the cluster
 * requires none. BadParameterError when MFA is required and the user has no device.
 */
export async function sessionMFACerts(inv: Invocation, proxy: ProxyClient, target: () => Promise<SessionMFATarget>): Promise<UserCertsResponse | undefined> {
  const mfa = new MFAClient(proxy.authClient());
  if (!(await mfa.sessionMFARequired())) return undefined;
  const answer = await answerChallenge(inv, proxy, await mfa.challenge());
  const publicKey = createPublicKey(proxy.identity.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return mfa.sessionCerts({ ...answer, ...(await target()), public_key: publicKey });
}

/** The SSH certificate blob for a session as `login` on the node `node()` names (its UUID), or undefined when no MFA check is required. */
export async function sessionMFACert(inv: Invocation, proxy: ProxyClient, node: () => Promise<string>, login: string): Promise<Buffer | undefined> {
  const certs = await sessionMFACerts(inv, proxy, async () => ({ node: await node(), login }));
  return certs && Buffer.from(certs.ssh.trim().split(/\s+/)[1], 'base64');
}

/**
 * A TOTP code read from the terminal, or a security key's assertion through the browser (Enter at
 * the prompt, or no input to read: kubectl runs its exec plugin without stdin when it has no terminal).
 */
async function answerChallenge(inv: Invocation, proxy: ProxyClient, ch: MFAAuthenticateChallenge): Promise<MFAAuthenticateResponse> {
  if (!ch.totp_challenge && !ch.webauthn_challenge) {
    throw new BadParameterError('this cluster requires an MFA check before each session (require_session_mfa), and you have no MFA device: add one with tsh mfa add');
  }
  let code = '';
  if (ch.totp_challenge) {
    const prompt = ch.webauthn_challenge ? 'Enter an OTP code from a device, or press Enter to use a security key:\n' : 'Enter an OTP code from a device:\n';
    try {
      code = (await readPassword(inv.io, prompt)).trim();
    } catch (err) {
      if (!ch.webauthn_challenge || !(err instanceof BadParameterError)) throw err;
    }
  }
  if (code !== '' || !ch.webauthn_challenge) return { totp_code: code };
  const id = proxy.identity;
  const web = new WebClient({ addr: id.webProxyAddr, insecure: id.insecure, caPems: id.tlsCAs });
  return { webauthn_response: (await browserCeremony(inv, web, id.webProxyAddr, 'login', ch.webauthn_challenge.publicKey)) as never };
}
