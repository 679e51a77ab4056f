/**
 * Application access on the wire: app sessions (auth API `/v1/appsessions`, what a browser's
 * `__Host-grv_app_session` cookie and a `tsh app login` certificate name), the JWT an agent asks
 * auth to sign for each user (`/v1/apptokens`), and the proxy's hello to an application agent: the
 * first bytes of every stream the proxy opens to one (a 4-byte big-endian length, then JSON), after
 * which the stream carries HTTP/1.1 (HTTP apps) or the client's raw bytes (TCP apps).
 */
import { BadParameterError } from './errors.js';
import { encodeHelloFrame, type HelloFormat } from './hello-frame.js';

/** Teleport's cookie names on an app's own host. */
export const APP_SESSION_COOKIE = '__Host-grv_app_session';
export const APP_SUBJECT_COOKIE = '__Host-grv_app_session_subject';
export const APP_AUTH_STATE_COOKIE = '__Host-grv_app_auth_state';
/** The path on an app's host that completes the browser's cookie exchange. */
export const APP_AUTH_PATH = '/x-teleport-auth';
/** The header carrying the signed identity to the app. */
export const JWT_HEADER = 'teleport-jwt-assertion';

/** POST /v1/appsessions: a session for the calling user to one application. */
export interface CreateAppSessionRequest {
  /** The caller's own name (optional; another name is refused). */
  username?: string;
  /** The application by name, or by its public address (one of the two). */
  app_name?: string;
  public_addr?: string;
  cluster_name?: string;
  /** At most the caller's certificate's remaining life; default all of it. */
  ttl_ms?: number;
}

/** An application session as auth stores and returns it. */
export interface AppSessionWire {
  session_id: string;
  /** The secret the subject cookie carries; checked with the session ID on every browser request. */
  subject_token: string;
  user: string;
  app_name: string;
  public_addr: string;
  cluster_name: string;
  roles: string[];
  traits: Record<string, string[]>;
  /** RFC 3339. */
  expires: string;
  created: string;
}

/** POST /v1/apptokens: a JWT for `username` to one app, signed by the cluster's `jwt` CA. */
export interface AppTokenRequest {
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
  /** The app's URI (the JWT's audience). */
  uri: string;
  /** RFC 3339; at most an hour ahead. */
  expires: string;
}

/** The hello's version; an agent refuses any other. */
export const APP_HELLO_VERSION = 1;
/** Largest hello accepted. */
export const MAX_APP_HELLO_BYTES = 64 * 1024;

/** Who reaches which application, as the proxy established it. */
export interface AppHello {
  v: number;
  /** The app's name (its app_server heartbeat's name). */
  app: string;
  user: string;
  roles: string[];
  traits: Record<string, string[]>;
  /** The app session (audit session ID). */
  session_id: string;
  /** RFC 3339: when the session ends (the JWT does not outlive it). */
  expires: string;
  /** `ip:port` of the client. */
  client_addr: string;
  /** The host the client asked for (`X-Forwarded-Host`). */
  public_addr: string;
}

/** The application hello's framing. */
export const APP_HELLO: HelloFormat<AppHello> = { what: 'app hello', maxBytes: MAX_APP_HELLO_BYTES, check: (x) => checkAppHello(x) };

/** The hello as bytes. */
export function encodeAppHello(h: AppHello): Buffer {
  return encodeHelloFrame(APP_HELLO, h);
}

/** Checks a decoded hello's shape. Throws BadParameterError naming the field. */
export function checkAppHello(x: unknown): AppHello {
  const h = x as Partial<AppHello> | null;
  if (!h || typeof h !== 'object') throw new BadParameterError('app hello is not an object');
  if (h.v !== APP_HELLO_VERSION) throw new BadParameterError(`app hello version ${String(h.v)} is not ${APP_HELLO_VERSION}`);
  for (const k of ['app', 'user', 'session_id', 'expires', 'client_addr', 'public_addr'] as const) {
    if (typeof h[k] !== 'string' || h[k] === '') throw new BadParameterError(`app hello lacks ${k}`);
  }
  if (!Array.isArray(h.roles) || !h.roles.every((r) => typeof r === 'string')) throw new BadParameterError('app hello roles must be strings');
  const traits = h.traits ?? {};
  if (typeof traits !== 'object' || Object.values(traits).some((v) => !Array.isArray(v) || !v.every((s) => typeof s === 'string'))) {
    throw new BadParameterError('app hello traits must map names to lists of strings');
  }
  return { ...(h as AppHello), traits };
}

/** Where app sessions are stored in the backend (`<prefix><session ID>`). */
export const APP_SESSION_PREFIX = '/web/appsessions/';

/** An app session as a watch carries it: a resource header around the session. */
export interface AppSessionResource {
  kind: 'app_session';
  version: 'v1';
  metadata: { name: string; expires: string };
  spec: AppSessionWire;
}

/**
 * The watch resource of a stored app session. Throws BadParameterError when a field the proxy
 * relies on is missing or mistyped.
 */
export function appSessionResource(x: unknown): AppSessionResource {
  const s = x as Partial<AppSessionWire> | null;
  if (!s || typeof s !== 'object') throw new BadParameterError('app session is not an object');
  for (const k of ['session_id', 'subject_token', 'user', 'app_name', 'expires'] as const) {
    if (typeof s[k] !== 'string' || s[k] === '') throw new BadParameterError(`app session lacks ${k}`);
  }
  if (!Array.isArray(s.roles)) throw new BadParameterError('app session lacks roles');
  const session = s as AppSessionWire;
  return { kind: 'app_session', version: 'v1', metadata: { name: session.session_id, expires: session.expires }, spec: session };
}
