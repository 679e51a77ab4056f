/**
 * Local users' credentials: the password policy, argon2id hashes, TOTP devices, and login with
 * lockout (5 failed attempts within 30 minutes lock the user for 30 minutes, as Teleport does).
 */
import { randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { MINUTE } from '../api/duration.js';
import { AccessDeniedError, BadParameterError, isCode } from '../api/errors.js';
import type { User } from '../api/types/index.js';
import { rangeEnd } from '../backend/index.js';
import type { Services } from '../services/index.js';
import { verifyTOTP } from './totp.js';

/** Teleport's password policy. */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
/** Failed attempts that lock a user, the window they count in, and how long the lock lasts. */
export const MAX_LOGIN_ATTEMPTS = 5;
export const ATTEMPT_TTL = 30 * MINUTE;
export const LOCK_DURATION = 30 * MINUTE;

/** A registered TOTP device. */
export interface TOTPDevice {
  id: string;
  name: string;
  secret: string;
  added_at: string;
  /** The last TOTP step accepted, so a code cannot be replayed. */
  last_step?: number;
}

/** Throws BadParameterError unless the password meets the policy. */
export function checkPasswordPolicy(password: unknown): asserts password is string {
  if (typeof password !== 'string') throw new BadParameterError('missing password');
  if (password.length < PASSWORD_MIN) throw new BadParameterError(`password is too short: use at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) throw new BadParameterError(`password is too long: use at most ${PASSWORD_MAX} characters`);
}

/** argon2id hash of a password that meets the policy. */
export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  return hash(password);
}

const deviceKey = (user: string, id: string) => `/web/users/${user}/mfa/${id}`;
const attemptsPrefix = (user: string) => `/web/users/${user}/attempts/`;

/** The user's TOTP devices. */
export async function listTOTPDevices(services: Services, user: string): Promise<TOTPDevice[]> {
  const prefix = `/web/users/${user}/mfa/`;
  const all = (await services.backend.getRange(prefix, rangeEnd(prefix))).map((i) => JSON.parse(i.value) as TOTPDevice & { type?: string });
  // WebAuthn devices share the prefix (src/auth/mfa/devices.ts); records without a type are TOTP.
  return all.filter((d) => d.type === undefined || d.type === 'totp');
}

/** Stores a new TOTP device. */
export async function addTOTPDevice(services: Services, user: string, name: string, secret: string): Promise<TOTPDevice> {
  const device: TOTPDevice = { id: randomUUID(), name, secret, added_at: new Date(services.clock.now()).toISOString() };
  await services.backend.put({ key: deviceKey(user, device.id), value: JSON.stringify(device) });
  return device;
}

/** Removes every MFA device of a user (a reset). */
export async function deleteMFADevices(services: Services, user: string): Promise<void> {
  const prefix = `/web/users/${user}/mfa/`;
  await services.backend.deleteRange(prefix, rangeEnd(prefix));
}

/**
 * Checks a TOTP code against the user's devices and records the step used. Returns false for a
 * wrong code or a code already used.
 */
export async function checkTOTP(services: Services, user: string, code: string): Promise<boolean> {
  const now = services.clock.now();
  for (const d of await listTOTPDevices(services, user)) {
    const step = verifyTOTP(d.secret, code, now);
    if (step === undefined || (d.last_step !== undefined && step <= d.last_step)) continue;
    await services.backend.put({ key: deviceKey(user, d.id), value: JSON.stringify({ ...d, last_step: step }) });
    return true;
  }
  return false;
}

/** What the cluster requires of a local login. */
export type SecondFactorMode = 'off' | 'otp' | 'on' | 'optional' | 'webauthn';

/** A login attempt. */
export interface LocalLoginRequest {
  user: string;
  password: string;
  otp?: string;
}

/** Checks `password` against an argon2 `hash` (injectable so tests can count calls). */
export type PasswordVerifier = (hash: string, password: string) => Promise<boolean>;

/** Options of authenticateLocal. */
export interface LocalLoginOptions {
  /** Default: argon2 verify. */
  verify?: PasswordVerifier;
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random password with the same parameters as stored ones. A login for an unknown user
 * (or one without a password) is checked against it, so it costs what a wrong password costs and
 * its timing does not tell whether the user exists.
 */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hash(randomUUID());
  return dummyHash;
}

/**
 * Authenticates a local user. Every failure is AccessDeniedError with a message that does not tell
 * which part was wrong, and costs one password hash check whether or not the user exists; the 5th
 * failure within 30 minutes locks the user for 30 minutes.
 */
export async function authenticateLocal(services: Services, req: LocalLoginRequest, secondFactor: SecondFactorMode, opts: LocalLoginOptions = {}): Promise<User> {
  const generic = 'invalid username, password or second factor';
  if (typeof req?.user !== 'string' || req.user === '') throw new BadParameterError('missing username');
  const check = opts.verify ?? verify;
  let user: User;
  try {
    user = await services.users.get(req.user);
  } catch (err) {
    if (!isCode(err, 'not_found') && !isCode(err, 'bad_parameter')) throw err;
    await check(await dummyPasswordHash(), typeof req.password === 'string' ? req.password : '');
    throw new AccessDeniedError(generic, { cause: err });
  }
  const now = services.clock.now();
  const status = user.spec.status;
  if (status?.is_locked && status.lock_expires && Date.parse(status.lock_expires) > now) {
    throw new AccessDeniedError(`${req.user} has exceeded a maximum number of failed login attempts and is locked until ${status.lock_expires}`);
  }
  const ok = await checkCredentials(services, req, secondFactor, check);
  if (ok) {
    await services.backend.deleteRange(attemptsPrefix(req.user), rangeEnd(attemptsPrefix(req.user)));
    return user;
  }
  await services.backend.put({ key: attemptsPrefix(req.user) + randomUUID(), value: String(now), expires: now + ATTEMPT_TTL });
  const prefix = attemptsPrefix(req.user);
  const failures = (await services.backend.getRange(prefix, rangeEnd(prefix))).length;
  if (failures >= MAX_LOGIN_ATTEMPTS) {
    const until = new Date(now + LOCK_DURATION).toISOString();
    await services.users.upsert({
      ...user,
      spec: { ...user.spec, status: { is_locked: true, locked_message: `user locked after ${failures} failed login attempts`, lock_expires: until, locked_time: new Date(now).toISOString() } },
    } as User);
    throw new AccessDeniedError(`${req.user} has exceeded a maximum number of failed login attempts and is locked until ${until}`);
  }
  throw new AccessDeniedError(generic);
}

async function checkCredentials(services: Services, req: LocalLoginRequest, secondFactor: SecondFactorMode, check: PasswordVerifier): Promise<boolean> {
  let stored: string | undefined;
  try {
    stored = await services.passwords.get(req.user);
  } catch (err) {
    if (!isCode(err, 'not_found')) throw err;
  }
  const password = typeof req.password === 'string' ? req.password : '';
  // A user without a password costs a hash check too.
  const matches = await check(stored ?? (await dummyPasswordHash()), password);
  if (!stored || typeof req.password !== 'string' || !matches) return false;
  const prefix = `/web/users/${req.user}/mfa/`;
  const anyDevice = (await services.backend.getRange(prefix, rangeEnd(prefix), 1)).length > 0;
  const needed = secondFactor === 'otp' || secondFactor === 'on' || secondFactor === 'webauthn' || (secondFactor === 'optional' && anyDevice);
  if (!needed) return true;
  // A security key is checked by the MFA login (src/auth/mfa), never by a code here.
  if (secondFactor === 'webauthn') return false;
  if (typeof req.otp !== 'string' || req.otp === '') return false;
  return checkTOTP(services, req.user, req.otp);
}
