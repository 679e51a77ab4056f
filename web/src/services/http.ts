/**
 * Every call to the proxy's web API goes through here: JSON in and out, the bearer token of the web
 * session (the HttpOnly session cookie rides along by itself), the CSRF header on form posts, and
 * typed errors. A 401 means the session is gone: the app is told once and returns to the login page.
 */
import { getToken } from './token-store';

/** An error answer of the API: `status`, the server's message, and for resource text the field and line. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

let onSessionLost: (() => void) | undefined;

/** Registers what to do when an authenticated call finds the session gone. */
export function setSessionLostHandler(fn: () => void): void {
  onSessionLost = fn;
}

/** The CSRF token the proxy put in the page. */
export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="grv_csrf_token"]')?.content ?? '';
}

/** Options of a call. */
export interface CallOptions {
  /** Send the CSRF header (login and invite completion). */
  csrf?: boolean;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Do not treat 401 as a lost session (login, logout, public pages). */
  public?: boolean;
  /** Send no bearer token (calls made before logging in). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

/** One JSON call. Throws ApiError for error answers, and for a broken connection (status 0). */
export async function api<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = getToken()?.token;
  if (token && !opts.anonymous) headers.authorization = `Bearer ${token}`;
  if (opts.csrf) headers['x-csrf-token'] = csrfToken();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('The proxy cannot be reached. Check your connection and try again.', 0);
  }
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.ok) return json as T;
  const e = (json as { error?: { message?: string; field?: string; line?: number } } | undefined)?.error;
  if (res.status === 401 && !opts.public) onSessionLost?.();
  // Server messages start in lower case (Go style); the UI shows them as sentences.
  const message = e?.message ? e.message.charAt(0).toUpperCase() + e.message.slice(1) : `The request failed (HTTP ${res.status}).`;
  throw new ApiError(message, res.status, e?.field, e?.line);
}
