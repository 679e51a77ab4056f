/**
 * Wire shapes of MFA: devices (TOTP and WebAuthn), challenges and their answers, as the auth API and
 * the proxy's `/webapi/mfa/...` routes carry them. WebAuthn options and responses are the browser's
 * JSON forms (base64url binary fields), as `@simplewebauthn/browser` and Teleport's web UI send them.
 */

/** A registered MFA device as listed (no secrets). */
export interface MFADeviceInfo {
  id: string;
  name: string;
  /** `TOTP` or `WebAuthn`, as `tsh mfa ls` prints them. */
  type: 'TOTP' | 'WebAuthn';
  added_at: string;
  last_used: string;
  /** A WebAuthn credential that can log in without a password (a resident key). */
  resident_key?: boolean;
}

/** WebAuthn creation options (`PublicKeyCredentialCreationOptionsJSON`). */
export type WebAuthnCreationOptions = Record<string, unknown> & { challenge: string };
/** WebAuthn request options (`PublicKeyCredentialRequestOptionsJSON`). */
export type WebAuthnRequestOptions = Record<string, unknown> & { challenge: string };
/** What `navigator.credentials.create()` returned, as JSON (`RegistrationResponseJSON`). */
export type WebAuthnRegistrationResponse = Record<string, unknown> & { id: string; response: Record<string, unknown> };
/** What `navigator.credentials.get()` returned, as JSON (`AuthenticationResponseJSON`). */
export type WebAuthnAssertionResponse = Record<string, unknown> & { id: string; response: Record<string, unknown> };

/** A challenge to register a new device: a TOTP secret, or WebAuthn creation options. */
export interface MFARegisterChallenge {
  totp?: { secret: string; uri: string; account: string };
  webauthn?: { publicKey: WebAuthnCreationOptions };
}

/** A challenge to prove a registered device: `totp_challenge` when a TOTP code will do. */
export interface MFAAuthenticateChallenge {
  totp_challenge: boolean;
  webauthn_challenge?: { publicKey: WebAuthnRequestOptions };
}

/** An answer to an MFAAuthenticateChallenge: a TOTP code or a WebAuthn assertion. */
export interface MFAAuthenticateResponse {
  totp_code?: string;
  webauthn_response?: WebAuthnAssertionResponse;
}

/** `POST /v1/mfa/login/begin`: a password login's second step, or a passwordless login (no user, no password). */
export interface MFALoginBeginRequest {
  user?: string;
  password?: string;
  passwordless?: boolean;
}

/** `POST /v1/mfa/login/finish`: the assertion, and the key to issue certificates for (tsh). */
export interface MFALoginFinishRequest {
  /** Empty for passwordless logins: the credential's user handle names the user. */
  user?: string;
  webauthn_response: WebAuthnAssertionResponse;
  public_key: string;
  ttl_ms?: number;
  cert_format?: string;
  route_to_cluster?: string;
}

/** `POST /v1/mfa/devices/register`: the challenge to add a device to the caller. */
export interface MFARegisterBeginRequest {
  type: 'totp' | 'webauthn';
  /** WebAuthn: register a resident key for passwordless logins. */
  passwordless?: boolean;
}

/** `POST /v1/mfa/devices`: completes adding a device. */
export interface MFAAddDeviceRequest {
  name: string;
  type: 'totp' | 'webauthn';
  totp_code?: string;
  webauthn_response?: WebAuthnRegistrationResponse;
}

/**
 * `POST /v1/certs/user/mfa`: a short-lived certificate for one session, after an MFA check, bound to
 * exactly one target: a node (SSH), a database route or a Kubernetes cluster.
 */
export interface SessionMFACertsRequest extends MFAAuthenticateResponse {
  public_key: string;
  /** SSH: the node the certificate is bound to (its name, hostname or address as tsh ssh names it). */
  node?: string;
  login?: string;
  /** A database session: the route the certificate carries (as `tsh db login` asks for it). */
  route_to_database?: { service_name: string; protocol: string; username?: string; database?: string };
  /** A Kubernetes session: the cluster the certificate is routed to. */
  kubernetes_cluster?: string;
}

/** The auth preference fields MFA decisions read. */
export interface MFAPreference {
  second_factor?: string;
  allow_passwordless?: boolean;
  allow_local_auth?: boolean;
}

/** True when the cluster's second_factor lets users register and use WebAuthn devices. */
export function webauthnEnabled(p: MFAPreference): boolean {
  return ['webauthn', 'on', 'optional'].includes(p.second_factor ?? 'otp');
}

/** True when the cluster's second_factor lets users register and use TOTP devices. */
export function totpEnabled(p: MFAPreference): boolean {
  return ['otp', 'on', 'optional'].includes(p.second_factor ?? 'otp');
}

/** Passwordless logins: WebAuthn enabled, local logins allowed, and `allow_passwordless` not false (Teleport's default is on). */
export function passwordlessAllowed(p: MFAPreference): boolean {
  return webauthnEnabled(p) && p.allow_passwordless !== false && p.allow_local_auth !== false;
}

/** SSH certificate extensions of per-session MFA certificates. */
export const EXT_MFA_VERIFIED = 'mfa-verified';
/** Ours: the node (UUID or hostname) a per-session MFA certificate is bound to. */
export const EXT_MFA_NODE = 'teleport-mfa-node';
/** How long a per-session MFA certificate lives (Teleport's UserSingleUseCertTTL). */
export const SESSION_MFA_CERT_TTL_MS = 60_000;

/**
 * Whether `require_session_mfa` (the cluster auth preference's, or any role option's) asks for an
 * MFA check before each session: `true`/`yes`, `session` and `session_and_hardware_key` do; the
 * hardware_key modes alone are about private keys, not sessions.
 */
export function sessionMFARequired(values: unknown[]): boolean {
  return values.some((v) => v === true || v === 'yes' || v === 'true' || v === 'session' || v === 'session_and_hardware_key');
}
