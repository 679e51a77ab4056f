/**
 * The WebAuthn ceremonies on @simplewebauthn/server: creation and request options, and the checks of
 * what the browser returned (challenge issued by us and unused, origin on the relying party ID,
 * signature by the registered key, a signature counter that only moves forward).
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AccessDeniedError, BadParameterError } from '../../api/errors.js';
import type { WebAuthnAssertionResponse, WebAuthnCreationOptions, WebAuthnRegistrationResponse, WebAuthnRequestOptions } from '../../api/mfa-wire.js';
import type { WebAuthnDeviceRecord } from './devices.js';

/** What the browser put in clientDataJSON. */
export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
}

/** Decodes a response's clientDataJSON; BadParameterError when it is not there or not JSON. */
export function clientDataOf(response: { response?: Record<string, unknown> } | undefined): ClientData {
  const raw = response?.response?.clientDataJSON;
  if (typeof raw !== 'string') throw new BadParameterError('the WebAuthn response has no clientDataJSON');
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as ClientData;
    if (typeof c.challenge !== 'string' || typeof c.origin !== 'string') throw new Error('incomplete');
    return c;
  } catch (err) {
    throw new BadParameterError('the WebAuthn response has an unreadable clientDataJSON', { cause: err });
  }
}

/** Throws AccessDeniedError unless `origin` is an https (or localhost http) origin on `rpId` or a subdomain of it. */
export function checkOrigin(origin: string, rpId: string): void {
  let url: URL;
  try {
    url = new URL(origin);
  } catch (err) {
    throw new AccessDeniedError(`the WebAuthn origin "${origin}" is not a URL`, { cause: err });
  }
  const host = url.hostname;
  const onRp = host === rpId || host.endsWith(`.${rpId}`);
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && host === 'localhost');
  if (!onRp || !secure) {
    throw new AccessDeniedError(`the WebAuthn ceremony ran on ${origin}, which is not on this cluster's relying party ID "${rpId}" (auth_service.authentication.webauthn.rp_id)`);
  }
}

/** Options for `navigator.credentials.create()`. */
export async function creationOptions(opts: {
  rpId: string;
  rpName: string;
  user: string;
  userHandle: string;
  exclude: WebAuthnDeviceRecord[];
  passwordless: boolean;
}): Promise<WebAuthnCreationOptions> {
  const o = await generateRegistrationOptions({
    rpID: opts.rpId,
    rpName: opts.rpName,
    userName: opts.user,
    userDisplayName: opts.user,
    userID: Buffer.from(opts.userHandle, 'base64url'),
    attestationType: 'none',
    timeout: 60_000,
    excludeCredentials: opts.exclude.map((d) => ({ id: d.credential_id, ...(d.transports && { transports: d.transports as AuthenticatorTransport[] }) })),
    authenticatorSelection: opts.passwordless
      ? { residentKey: 'required', requireResidentKey: true, userVerification: 'required' }
      : { residentKey: 'discouraged', userVerification: 'discouraged' },
  });
  return o as unknown as WebAuthnCreationOptions;
}

/** What a verified registration yields for the device record. */
export interface NewCredential {
  credential_id: string;
  public_key: string;
  sign_count: number;
  transports?: string[];
}

/** Verifies a registration answering `challenge`; AccessDeniedError when it does not check out. */
export async function verifyRegistration(response: WebAuthnRegistrationResponse, challenge: string, rpId: string, passwordless: boolean): Promise<NewCredential> {
  const client = clientDataOf(response);
  checkOrigin(client.origin, rpId);
  let out;
  try {
    out = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: client.origin,
      expectedRPID: rpId,
      requireUserVerification: passwordless,
    });
  } catch (err) {
    throw new AccessDeniedError(`the security key's registration could not be verified: ${(err as Error).message}`, { cause: err });
  }
  if (!out.verified) throw new AccessDeniedError("the security key's registration could not be verified");
  const c = out.registrationInfo.credential;
  return {
    credential_id: c.id,
    public_key: Buffer.from(c.publicKey).toString('base64url'),
    sign_count: c.counter,
    ...(c.transports && { transports: c.transports }),
  };
}

/** Options for `navigator.credentials.get()`: the user's credentials, or none for a passwordless (discoverable) login. */
export async function requestOptions(rpId: string, allow: WebAuthnDeviceRecord[] | undefined): Promise<WebAuthnRequestOptions> {
  const o = await generateAuthenticationOptions({
    rpID: rpId,
    timeout: 60_000,
    userVerification: allow ? 'discouraged' : 'required',
    ...(allow && { allowCredentials: allow.map((d) => ({ id: d.credential_id, ...(d.transports && { transports: d.transports as AuthenticatorTransport[] }) })) }),
  });
  return o as unknown as WebAuthnRequestOptions;
}

/** The signature counter in an assertion's authenticator data (bytes 33-36, big-endian). */
export function assertionCounter(response: WebAuthnAssertionResponse): number {
  const raw = response.response?.authenticatorData;
  if (typeof raw !== 'string') throw new BadParameterError('the WebAuthn response has no authenticatorData');
  const data = Buffer.from(raw, 'base64url');
  if (data.length < 37) throw new BadParameterError('the WebAuthn authenticatorData is too short');
  return data.readUInt32BE(33);
}

/** A counter that did not move forward: the credential may have been cloned. */
export class ClonedCredentialError extends AccessDeniedError {}

/**
 * Verifies an assertion by `device` answering `challenge`; returns the new signature counter.
 * ClonedCredentialError when the counter did not increase (either side non-zero), as WebAuthn §6.1.1 says.
 */
export async function verifyAssertion(response: WebAuthnAssertionResponse, device: WebAuthnDeviceRecord, challenge: string, rpId: string, requireUV: boolean): Promise<number> {
  const client = clientDataOf(response);
  checkOrigin(client.origin, rpId);
  const counter = assertionCounter(response);
  if ((counter !== 0 || device.sign_count !== 0) && counter <= device.sign_count) {
    throw new ClonedCredentialError(
      `security key "${device.name}" reported signature counter ${counter}, not above the ${device.sign_count} already seen: the credential may have been cloned, so it is refused (remove it with tsh mfa rm and register a new key)`,
    );
  }
  let out;
  try {
    out = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: client.origin,
      expectedRPID: rpId,
      credential: { id: device.credential_id, publicKey: Buffer.from(device.public_key, 'base64url'), counter: device.sign_count },
      requireUserVerification: requireUV,
    });
  } catch (err) {
    throw new AccessDeniedError(`the security key's assertion could not be verified: ${(err as Error).message}`, { cause: err });
  }
  if (!out.verified) throw new AccessDeniedError("the security key's assertion could not be verified");
  return out.authenticationInfo.newCounter;
}
