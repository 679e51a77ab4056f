/**
 * The browser side of web sessions, as Teleport does it: the `__Host-session` cookie (HttpOnly,
 * Secure, SameSite=Lax; value = hex of JSON `{user, sid}`) that must come with the bearer token on
 * every API call, and the double-submit CSRF token for unauthenticated form posts: a
 * `__Host-grv_csrf` cookie set with the page, echoed by the UI in `X-CSRF-Token` (the page carries
 * it in `<meta name="grv_csrf_token">`).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AccessDeniedError } from '../../api/errors.js';

/** The session cookie's name. */
export const SESSION_COOKIE = '__Host-session';
/** The CSRF cookie's name. */
export const CSRF_COOKIE = '__Host-grv_csrf';
/** The header carrying the CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/** Cookies of a request by name (the first of duplicates wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of (header ?? '').split(';')) {
    const part = raw.trim();
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!(name in out)) out[name] = part.slice(i + 1).trim();
  }
  return out;
}

/** The session cookie's value for `user` and session `sid`. */
export function encodeSessionCookie(user: string, sid: string): string {
  return Buffer.from(JSON.stringify({ user, sid }), 'utf8').toString('hex');
}

/** The `{user, sid}` of a session cookie value; undefined when malformed. */
export function decodeSessionCookie(value: string | undefined): { user: string; sid: string } | undefined {
  if (!value || !/^[0-9a-f]+$/i.test(value) || value.length > 4096) return undefined;
  try {
    const v = JSON.parse(Buffer.from(value, 'hex').toString('utf8')) as { user?: unknown; sid?: unknown };
    if (typeof v.user !== 'string' || typeof v.sid !== 'string') return undefined;
    return { user: v.user, sid: v.sid };
  } catch {
    return undefined;
  }
}

/** `Set-Cookie` for a new session. */
export function sessionCookie(user: string, sid: string): string {
  return `${SESSION_COOKIE}=${encodeSessionCookie(user, sid)}; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

/** `Set-Cookie` that removes the session cookie. */
export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}

/** The request's session cookie, decoded. */
export function requestSession(req: IncomingMessage): { user: string; sid: string } | undefined {
  return decodeSessionCookie(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
}

/** The bearer token of `Authorization: Bearer <token>`. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

const CSRF_RE = /^[0-9a-f]{64}$/;

/** The CSRF token a page should carry: the one the browser already has, else a new one. */
export function csrfTokenFor(req: IncomingMessage): { token: string; fresh: boolean } {
  const have = parseCookies(req.headers.cookie)[CSRF_COOKIE];
  if (have && CSRF_RE.test(have)) return { token: have, fresh: false };
  return { token: randomBytes(32).toString('hex'), fresh: true };
}

/** `Set-Cookie` for the CSRF token. */
export function csrfCookie(token: string): string {
  return `${CSRF_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

/** True when the request carries a CSRF header at all (a browser form post). */
export function hasCSRFHeader(req: IncomingMessage): boolean {
  return typeof req.headers[CSRF_HEADER] === 'string';
}

/** Throws AccessDeniedError unless the CSRF header matches the CSRF cookie. */
export function checkCSRF(req: IncomingMessage): void {
  const cookie = parseCookies(req.headers.cookie)[CSRF_COOKIE] ?? '';
  const header = req.headers[CSRF_HEADER];
  const sent = typeof header === 'string' ? header : '';
  const ok = CSRF_RE.test(cookie) && sent.length === cookie.length && timingSafeEqual(Buffer.from(sent), Buffer.from(cookie));
  if (!ok) throw new AccessDeniedError('missing or mismatched CSRF token: reload the page and try again');
}
