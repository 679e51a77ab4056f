/**
 * The MFA device store: each user's TOTP and WebAuthn devices under `/web/users/<user>/mfa/<id>`
 * (the key TOTP devices have always used), with names unique per user, when each was added and
 * last used, and for WebAuthn the credential ID, COSE public key and signature counter. A user's
 * WebAuthn user handle (random, never the name) maps back to the user for passwordless logins.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AlreadyExistsError, NotFoundError, isCode } from '../../api/errors.js';
import type { MFADeviceInfo } from '../../api/mfa-wire.js';
import { rangeEnd } from '../../backend/index.js';
import type { Services } from '../../services/index.js';

/** Fields every device has. Records written before WebAuthn have no `type`: they are TOTP. */
interface DeviceBase {
  id: string;
  name: string;
  added_at: string;
  last_used?: string;
}

/** A TOTP device. */
export interface TOTPDeviceRecord extends DeviceBase {
  type?: 'totp';
  secret: string;
  /** The last TOTP step accepted, so a code cannot be replayed. */
  last_step?: number;
}

/** A WebAuthn credential. */
export interface WebAuthnDeviceRecord extends DeviceBase {
  type: 'webauthn';
  /** base64url credential ID. */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  sign_count: number;
  transports?: string[];
  resident_key: boolean;
}

/** Any device. */
export type DeviceRecord = TOTPDeviceRecord | WebAuthnDeviceRecord;

const prefix = (user: string) => `/web/users/${user}/mfa/`;
const handleKey = (user: string) => `/web/users/${user}/webauthn-handle`;
const handleOwnerKey = (handle: string) => `/webauthn/handles/${handle}`;

/** The user's devices, oldest first. */
export async function listDevices(services: Services, user: string): Promise<DeviceRecord[]> {
  const items = await services.backend.getRange(prefix(user), rangeEnd(prefix(user)));
  return items.map((i) => JSON.parse(i.value) as DeviceRecord).sort((a, b) => a.added_at.localeCompare(b.added_at));
}

/** True for a WebAuthn device. */
export function isWebAuthn(d: DeviceRecord): d is WebAuthnDeviceRecord {
  return d.type === 'webauthn';
}

/** Stores (creates or updates) a device. */
export async function putDevice(services: Services, user: string, d: DeviceRecord): Promise<void> {
  await services.backend.put({ key: prefix(user) + d.id, value: JSON.stringify(d) });
}

/** Adds a new device; AlreadyExistsError when the user has a device of that name. */
export async function addDevice<T extends DeviceRecord>(services: Services, user: string, d: Omit<T, 'id' | 'added_at' | 'last_used'>): Promise<T> {
  const existing = await listDevices(services, user);
  if (existing.some((e) => e.name === d.name)) {
    throw new AlreadyExistsError(`MFA device "${d.name}" already exists: choose another name (tsh mfa ls lists them)`);
  }
  const now = new Date(services.clock.now()).toISOString();
  const device = { ...d, id: randomUUID(), added_at: now, last_used: now } as T;
  await putDevice(services, user, device);
  return device;
}

/** Removes the device named (or with the ID) `name`; NotFoundError when there is none. */
export async function removeDevice(services: Services, user: string, name: string): Promise<DeviceRecord> {
  const d = (await listDevices(services, user)).find((e) => e.name === name || e.id === name);
  if (!d) throw new NotFoundError(`MFA device "${name}" does not exist (tsh mfa ls lists your devices)`);
  await services.backend.delete(prefix(user) + d.id);
  return d;
}

/** The wire form of a device, without secrets. */
export function deviceInfo(d: DeviceRecord): MFADeviceInfo {
  return {
    id: d.id,
    name: d.name,
    type: isWebAuthn(d) ? 'WebAuthn' : 'TOTP',
    added_at: d.added_at,
    last_used: d.last_used ?? d.added_at,
    ...(isWebAuthn(d) && { resident_key: d.resident_key }),
  };
}

/** The user's WebAuthn user handle (base64url), created on first use. */
export async function webauthnUserHandle(services: Services, user: string): Promise<string> {
  try {
    return (await services.backend.get(handleKey(user))).value;
  } catch (err) {
    if (!isCode(err, 'not_found')) throw err;
  }
  const handle = randomBytes(32).toString('base64url');
  await services.backend.put({ key: handleOwnerKey(handle), value: user });
  await services.backend.put({ key: handleKey(user), value: handle });
  return handle;
}

/** The user a WebAuthn user handle belongs to, or undefined. */
export async function userOfHandle(services: Services, handle: string): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(handle)) return undefined;
  try {
    return (await services.backend.get(handleOwnerKey(handle))).value;
  } catch (err) {
    if (isCode(err, 'not_found')) return undefined;
    throw err;
  }
}
