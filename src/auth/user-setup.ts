/**
 * Completing invite and reset links (choose a password, register a TOTP device) and local login
 * that returns certificates: the auth side of `tsh login` and the web UI's invite page.
 */
import { AccessDeniedError, BadParameterError, isCode } from '../api/errors.js';
import type { CompleteUserTokenRequest, SSHLoginRequest, TOTPRegistration, UserTokenInfo } from '../api/auth-wire.js';
import type { User } from '../api/types/index.js';
import type { UserToken } from '../api/user-token.js';
import type { Services } from '../services/index.js';
import { addTOTPDevice, authenticateLocal, deleteMFADevices, hashPassword, type SecondFactorMode } from './local-login.js';
import { newTOTPSecret, totpURI, verifyTOTP } from './totp.js';

const pendingTOTPKey = (token: string) => `/usertoken/${token}/totp`;

async function liveToken(services: Services, token: unknown): Promise<UserToken> {
  if (typeof token !== 'string' || !/^[0-9a-f]{32}$/.test(token)) throw new AccessDeniedError('the link is invalid or has expired');
  try {
    return await services.userTokens.get(token);
  } catch (err) {
    if (isCode(err, 'not_found')) throw new AccessDeniedError('the link is invalid or has expired; ask your administrator for a new one');
    throw err;
  }
}

/** Public facts about a link, for the page that completes it. */
export async function userTokenInfo(services: Services, token: string): Promise<UserTokenInfo> {
  const t = await liveToken(services, token);
  return { user: t.spec.user, type: t.sub_kind, expires: t.metadata.expires };
}

/** Offers a TOTP secret for the link's user; the same secret is offered until the link is used. */
export async function totpRegistration(services: Services, token: string, issuer: string): Promise<TOTPRegistration> {
  const t = await liveToken(services, token);
  let secret: string;
  try {
    secret = (await services.backend.get(pendingTOTPKey(token))).value;
  } catch (err) {
    if (!isCode(err, 'not_found')) throw err;
    secret = newTOTPSecret();
    await services.backend.put({ key: pendingTOTPKey(token), value: secret, expires: Date.parse(t.metadata.expires) });
  }
  return { secret, uri: totpURI(secret, t.spec.user, issuer), account: t.spec.user };
}

/**
 * Sets the password (and registers the TOTP device when a code is given or required), unlocks
 * the user and consumes the link. Nothing is written when any check fails.
 */
export async function completeUserToken(services: Services, req: CompleteUserTokenRequest, secondFactor: SecondFactorMode): Promise<User> {
  const t = await liveToken(services, req?.token);
  const passwordHash = await hashPassword(req.password);
  const otpRequired = secondFactor === 'otp' || secondFactor === 'on';
  let secret: string | undefined;
  if (otpRequired || req.otp_code) {
    try {
      secret = (await services.backend.get(pendingTOTPKey(t.metadata.name))).value;
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
      throw new BadParameterError('register an authenticator app first: no TOTP secret was issued for this link');
    }
    if (typeof req.otp_code !== 'string' || verifyTOTP(secret, req.otp_code, services.clock.now()) === undefined) {
      throw new BadParameterError('the authenticator code is not valid: check the app shows the code for this account and that the clock is right');
    }
  }
  const user = await services.users.get(t.spec.user);
  if (t.sub_kind === 'reset') await deleteMFADevices(services, user.metadata.name);
  await services.passwords.set(user.metadata.name, passwordHash);
  if (secret) await addTOTPDevice(services, user.metadata.name, req.device_name || 'otp', secret);
  const { status: _status, ...spec } = user.spec;
  const unlocked = await services.users.upsert({ ...user, spec } as User);
  await services.userTokens.delete(t.metadata.name);
  await services.backend.delete(pendingTOTPKey(t.metadata.name)).catch(() => undefined);
  return unlocked;
}

/** Authenticates the password (and TOTP as the cluster requires); returns the user for issuing certificates. */
export async function loginLocal(services: Services, req: SSHLoginRequest, secondFactor: SecondFactorMode): Promise<User> {
  return authenticateLocal(services, { user: req?.user, password: req?.password, otp: req?.otp_token }, secondFactor);
}
