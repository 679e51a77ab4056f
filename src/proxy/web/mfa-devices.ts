/**
 * The web UI's MFA device routes, as the logged-in user (auth decides: a user manages only their
 * own devices): `GET /webapi/mfa/devices` (Teleport's UI shape: id, name, type, addedAt,
 * lastUsed, residentKey), `POST /webapi/mfa/devices/challenge` (`{deviceType, deviceUsage}` → a TOTP
 * secret or WebAuthn creation options), `POST /webapi/mfa/devices` (`{deviceName, deviceType,
 * secondFactorToken | webauthnRegisterResponse}`), `DELETE /webapi/mfa/devices/:name`, and
 * `POST /webapi/mfa/authenticatechallenge` (a challenge for the user's own devices).
 */
import { BadParameterError } from '../../api/errors.js';
import type { MFADeviceInfo, MFARegisterChallenge, WebAuthnRegistrationResponse } from '../../api/mfa-wire.js';
import type { WebUserAPI } from './ui-auth.js';

/** A device as Teleport's web UI lists it. */
export interface WebMFADevice {
  id: string;
  name: string;
  type: string;
  addedAt: string;
  lastUsed: string;
  residentKey: boolean;
}

function webDevice(d: MFADeviceInfo): WebMFADevice {
  return { id: d.id, name: d.name, type: d.type, addedAt: d.added_at, lastUsed: d.last_used, residentKey: Boolean(d.resident_key) };
}

/** `GET /webapi/mfa/devices`. */
export async function listMFADevices(api: WebUserAPI): Promise<WebMFADevice[]> {
  return (await api.listMFADevices()).map(webDevice);
}

function deviceType(v: unknown): 'totp' | 'webauthn' {
  if (v === 'totp' || v === 'webauthn') return v;
  throw new BadParameterError('deviceType must be totp or webauthn');
}

/** `POST /webapi/mfa/devices/challenge`. */
export function mfaDeviceChallenge(api: WebUserAPI, body: unknown): Promise<MFARegisterChallenge> {
  const b = (body ?? {}) as { deviceType?: unknown; deviceUsage?: unknown };
  return api.mfaRegisterChallenge({ type: deviceType(b.deviceType), passwordless: b.deviceUsage === 'passwordless' });
}

/** `POST /webapi/mfa/devices`. */
export async function addMFADevice(api: WebUserAPI, body: unknown): Promise<WebMFADevice> {
  const b = (body ?? {}) as { deviceName?: unknown; deviceType?: unknown; secondFactorToken?: unknown; webauthnRegisterResponse?: unknown };
  if (typeof b.deviceName !== 'string' || b.deviceName === '') throw new BadParameterError('missing deviceName');
  const type = deviceType(b.deviceType);
  return webDevice(
    await api.addMFADevice({
      name: b.deviceName,
      type,
      ...(typeof b.secondFactorToken === 'string' && { totp_code: b.secondFactorToken }),
      ...(typeof b.webauthnRegisterResponse === 'object' && b.webauthnRegisterResponse !== null ? { webauthn_response: b.webauthnRegisterResponse as WebAuthnRegistrationResponse } : {}),
    }),
  );
}
