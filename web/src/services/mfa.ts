/**
 * MFA in the browser: the cluster's second factor settings, security-key logins (password + key,
 * passwordless), registering a key at an invite link, the user's devices, and answering a tsh
 * ceremony relayed through the proxy. The WebAuthn calls are @simplewebauthn/browser's (over
 * navigator.credentials), whose JSON forms the proxy passes to auth unchanged.
 */
import type { CreateWebSessionResponse } from '@api/web-wire';
import type { MFAAuthenticateChallenge, MFARegisterChallenge, WebAuthnCreationOptions, WebAuthnRequestOptions } from '@api/mfa-wire';
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { api } from './http';
import { adoptSession } from './session';

/** What the login and invite pages need from `/webapi/ping`. */
export interface AuthSettings {
  cluster: string;
  secondFactor: 'off' | 'otp' | 'webauthn' | 'on' | 'optional';
  allowPasswordless: boolean;
}

/** `GET /webapi/ping`'s auth block. */
export async function fetchAuthSettings(): Promise<AuthSettings> {
  const r = await api<{ cluster_name: string; auth: { second_factor?: string; allow_passwordless?: boolean } }>('GET', '/v1/webapi/ping', undefined, { public: true, anonymous: true });
  return { cluster: r.cluster_name, secondFactor: (r.auth.second_factor ?? 'otp') as AuthSettings['secondFactor'], allowPasswordless: Boolean(r.auth.allow_passwordless) };
}

/** True when this browser can run WebAuthn at all. */
export function webauthnSupported(): boolean {
  return typeof window.PublicKeyCredential === 'function';
}

/** Runs navigator.credentials.get() for request options; the assertion as JSON. */
export function assert(options: WebAuthnRequestOptions): Promise<Record<string, unknown>> {
  return startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON }) as unknown as Promise<Record<string, unknown>>;
}

/** Runs navigator.credentials.create() for creation options; the attestation as JSON. */
export function register(options: WebAuthnCreationOptions): Promise<Record<string, unknown>> {
  return startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON }) as unknown as Promise<Record<string, unknown>>;
}

/** A browser's words for a cancelled or timed-out ceremony, as a sentence. */
export function ceremonyError(err: unknown): string {
  const e = err as Error & { name?: string };
  if (e?.name === 'NotAllowedError') return 'The security key request was cancelled or timed out. Try again.';
  if (e?.name === 'InvalidStateError') return 'This security key is already registered.';
  return e?.message ?? String(err);
}

/** Password + security key: checks the password, asks the key, logs in. */
export async function loginWithKey(user: string, pass: string): Promise<void> {
  const ch = await api<MFAAuthenticateChallenge>('POST', '/v1/webapi/mfa/login/begin', { user, pass }, { public: true, anonymous: true });
  if (!ch.webauthn_challenge) throw new Error('No security key is registered for this user: sign in with the authenticator app code instead.');
  const response = await assert(ch.webauthn_challenge.publicKey);
  adoptSession(await api<CreateWebSessionResponse>('POST', '/v1/webapi/mfa/login/finishsession', { user, webauthnAssertionResponse: response }, { csrf: true, public: true, anonymous: true }));
}

/** Passwordless: any security key registered for passwordless login names its user. */
export async function loginPasswordless(): Promise<void> {
  const ch = await api<MFAAuthenticateChallenge>('POST', '/v1/webapi/mfa/login/begin', { passwordless: true }, { public: true, anonymous: true });
  const response = await assert(ch.webauthn_challenge!.publicKey);
  adoptSession(await api<CreateWebSessionResponse>('POST', '/v1/webapi/mfa/login/finishsession', { webauthnAssertionResponse: response }, { csrf: true, public: true, anonymous: true }));
}

/** An invite link's security key: creation options, the key's answer, then the password and key are set and the user logged in. */
export async function completeInviteWithKey(token: string, password: string, deviceName: string, passwordless: boolean): Promise<void> {
  const ch = await api<MFARegisterChallenge>('POST', `/v1/webapi/mfa/token/${encodeURIComponent(token)}/registerchallenge`, { deviceType: 'webauthn', deviceUsage: passwordless ? 'passwordless' : 'mfa' }, { public: true, anonymous: true });
  const created = await register(ch.webauthn!.publicKey);
  const bytes = new TextEncoder().encode(password);
  const b64 = btoa(String.fromCharCode(...bytes));
  adoptSession(
    await api<CreateWebSessionResponse>('PUT', '/v1/webapi/users/password/token', { token, password: b64, deviceName, webauthnCreationResponse: created }, { csrf: true, public: true, anonymous: true }),
  );
}

/** A device as the proxy lists it. */
export interface MFADevice {
  id: string;
  name: string;
  type: 'TOTP' | 'WebAuthn';
  addedAt: string;
  lastUsed: string;
  residentKey: boolean;
}

/** `GET /webapi/mfa/devices`. */
export function fetchDevices(): Promise<MFADevice[]> {
  return api<MFADevice[]>('GET', '/v1/webapi/mfa/devices');
}

/** `POST /webapi/mfa/devices/challenge`: a TOTP secret or WebAuthn creation options. */
export function deviceChallenge(deviceType: 'totp' | 'webauthn', passwordless: boolean): Promise<MFARegisterChallenge> {
  return api<MFARegisterChallenge>('POST', '/v1/webapi/mfa/devices/challenge', { deviceType, deviceUsage: passwordless ? 'passwordless' : 'mfa' });
}

/** `POST /webapi/mfa/devices`. */
export function addDevice(body: { deviceName: string; deviceType: 'totp' | 'webauthn'; secondFactorToken?: string; webauthnRegisterResponse?: unknown }): Promise<MFADevice> {
  return api<MFADevice>('POST', '/v1/webapi/mfa/devices', body);
}

/** `DELETE /webapi/mfa/devices/:name`. */
export async function removeDevice(name: string): Promise<void> {
  await api('DELETE', `/v1/webapi/mfa/devices/${encodeURIComponent(name)}`);
}

/** A tsh ceremony relayed by the proxy: what to run. */
export function fetchBrowserCeremony(id: string): Promise<{ kind: 'login' | 'register'; publicKey: Record<string, unknown> }> {
  return api('GET', `/v1/webapi/mfa/browser/${encodeURIComponent(id)}`, undefined, { public: true, anonymous: true });
}

/** Posts a relayed ceremony's answer back to the proxy, where tsh collects it. */
export async function answerBrowserCeremony(id: string, response: unknown): Promise<void> {
  await api('POST', `/v1/webapi/mfa/browser/${encodeURIComponent(id)}`, { response }, { public: true, anonymous: true });
}

/**
 * Per-session MFA before a terminal (require_session_mfa): undefined when not required, else the
 * answer to a challenge of the user's devices, a security key's assertion (preferred) or a TOTP
 * code the user types. `say` tells the user what is asked.
 */
export async function sessionMFAResponse(site: string, say: (text: string) => void): Promise<{ totp_code?: string; webauthn_response?: Record<string, unknown> } | undefined> {
  const { required } = await api<{ required: boolean }>('POST', `/v1/webapi/sites/${encodeURIComponent(site)}/mfa/required`, {});
  if (!required) return undefined;
  const ch = await api<MFAAuthenticateChallenge>('POST', '/v1/webapi/mfa/authenticatechallenge');
  if (ch.webauthn_challenge) {
    say('This session needs an MFA check: touch or unlock your security key.');
    return { webauthn_response: await assert(ch.webauthn_challenge.publicKey) };
  }
  if (ch.totp_challenge) {
    const code = window.prompt('This session needs an MFA check: enter the code of your authenticator app.') ?? '';
    return { totp_code: code.trim() };
  }
  throw new Error('This session needs an MFA check (require_session_mfa) and you have no MFA device: add one on the MFA devices page.');
}
