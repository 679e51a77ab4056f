/**
 * Web session calls: log in (password + TOTP), complete an invite, renew before the bearer token
 * expires, log out. Each success stores the new bearer token for every tab.
 */
import type { CreateWebSessionResponse } from '@api/web-wire';
import { api } from './http';
import { getToken, setToken } from './token-store';

function store(r: CreateWebSessionResponse): void {
  setToken({ token: r.token, expiresAt: Date.now() + r.expires_in * 1000, sessionExpires: Date.parse(r.sessionExpires), inactiveTimeout: r.sessionInactiveTimeout });
}

/** `POST /webapi/sessions/web`. Throws ApiError (403 for wrong credentials or a locked user). */
export async function login(user: string, pass: string, otp: string): Promise<void> {
  const r = await api<CreateWebSessionResponse>('POST', '/v1/webapi/sessions/web', { user, pass, second_factor_token: otp }, { csrf: true, public: true, anonymous: true });
  store(r);
}

/** `DELETE /webapi/sessions/web`; the token is forgotten even when the call fails. */
export async function logout(): Promise<void> {
  try {
    await api('DELETE', '/v1/webapi/sessions/web', undefined, { public: true });
  } finally {
    setToken(undefined);
  }
}

/** `POST /webapi/sessions/web/renew`. */
export async function renew(): Promise<void> {
  store(await api<CreateWebSessionResponse>('POST', '/v1/webapi/sessions/web/renew'));
}

/** Stores the session an invite completion returned. */
export function adoptSession(r: CreateWebSessionResponse): void {
  store(r);
}

/** True while a bearer token is stored and the session has not ended. */
export function hasSession(): boolean {
  const t = getToken();
  return Boolean(t && t.sessionExpires > Date.now());
}

/**
 * Keeps the session alive: renews a minute before the bearer token expires, and calls `onExpired`
 * when the session itself ends (its certificates expire). Returns the stop function.
 */
export function keepAlive(onExpired: () => void): () => void {
  let timer: number | undefined;
  const schedule = () => {
    window.clearTimeout(timer);
    const t = getToken();
    if (!t) return;
    const now = Date.now();
    // The last bearer token lives until the session ends: nothing left to renew.
    if (t.expiresAt >= t.sessionExpires - 1_000) {
      timer = window.setTimeout(onExpired, Math.max(0, t.sessionExpires - now));
      return;
    }
    timer = window.setTimeout(() => {
      // A failed renewal for a lost session reports itself (401); others are retried.
      renew().then(schedule, () => (timer = window.setTimeout(schedule, 10_000)));
    }, Math.max(0, t.expiresAt - 60_000 - Math.random() * 20_000 - now));
  };
  schedule();
  const onStorage = () => schedule();
  window.addEventListener('storage', onStorage);
  return () => {
    window.clearTimeout(timer);
    window.removeEventListener('storage', onStorage);
  };
}
