/** Invite and reset links: what the link is for, the TOTP secret to register, completing it. */
import type { CreateWebSessionResponse, TOTPChallengeResponse, UserTokenInfoResponse } from '@api/web-wire';
import { api } from './http';
import { adoptSession } from './session';

/** `GET /webapi/users/password/token/:token`. Throws ApiError 403 for an expired or used link. */
export function fetchInvite(token: string): Promise<UserTokenInfoResponse> {
  return api<UserTokenInfoResponse>('GET', `/v1/webapi/users/password/token/${encodeURIComponent(token)}`, undefined, { public: true, anonymous: true });
}

/** `POST /webapi/mfa/token/:token/registerchallenge`: the TOTP secret and its otpauth:// URI. */
export function fetchTOTPChallenge(token: string): Promise<TOTPChallengeResponse> {
  return api<TOTPChallengeResponse>('POST', `/v1/webapi/mfa/token/${encodeURIComponent(token)}/registerchallenge`, { deviceType: 'totp' }, { public: true, anonymous: true });
}

/** `PUT /webapi/users/password/token`: sets the password and TOTP device, and logs in. */
export async function completeInvite(token: string, password: string, otp: string): Promise<void> {
  const bytes = new TextEncoder().encode(password);
  const b64 = btoa(String.fromCharCode(...bytes));
  const r = await api<CreateWebSessionResponse>(
    'PUT',
    '/v1/webapi/users/password/token',
    { token, password: b64, second_factor_token: otp, deviceName: 'otp' },
    { csrf: true, public: true, anonymous: true },
  );
  adoptSession(r);
}
