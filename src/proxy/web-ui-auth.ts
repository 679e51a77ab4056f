/**
 * What the web UI needs from the auth server, as narrow interfaces with two implementations: the
 * auth service of the same process (`localWebUIAuth`, here), and the auth API for a proxy running on
 * its own (src/service/remote-web-ui-auth.ts), where web sessions are read through the proxy's host
 * identity and everything the user does goes to auth with the user's own certificate, so the auth
 * server's RBAC decides every call in both cases.
 */
import type { CompleteUserTokenRequest, CreateUserTokenRequest, GenerateTokenRequest, TokenInfo, UserTokenResponse } from '../api/auth-wire.js';
import type { SearchEventsResponse } from '../api/audit-wire.js';
import { NotImplementedError } from '../api/errors.js';
import type { ListRecordingsQuery, RecordingSummary } from '../api/recording-wire.js';
import type { Node, SessionTracker } from '../api/types/index.js';
import { parseAuthorizedKey } from '../sshca/index.js';
import { searchEvents, type AuthService, type Caller, type StreamBody, type WebSession } from '../auth/index.js';

/** Browser sessions. Every method throws AccessDeniedError for anything that is not a live session. */
export interface WebSessionStore {
  /** A local login (password + OTP as the cluster requires). */
  login(req: { user: string; password: string; otp?: string }): Promise<WebSession>;
  /** The live session `id` of `user`. */
  get(user: string, id: string): Promise<WebSession>;
  /** Throws AccessDeniedError unless `token` is the session's unexpired bearer token. */
  checkBearer(s: WebSession, token: string | undefined): void;
  /** A new session (id, token, certificates) replacing `prev`, expiring no later. */
  renew(prev: WebSession): Promise<WebSession>;
  /** Ends a session; an unknown one is fine. */
  delete(id: string): Promise<void>;
}

/** What a logged-in user does through the web UI, authorized by auth as that user. */
export interface WebUserAPI {
  /** The user with their roles, for what the UI offers (logins per node, menu entries). */
  readonly caller: Caller;
  listNodes(): Promise<Node[]>;
  listResources(kind: string): Promise<unknown[]>;
  getResource(kind: string, name: string): Promise<unknown>;
  /** Creates `doc`, or replaces the existing one when `overwrite`. */
  saveResource(doc: unknown, overwrite: boolean): Promise<unknown>;
  deleteResource(kind: string, name: string): Promise<void>;
  createUserToken(user: string, req: CreateUserTokenRequest): Promise<UserTokenResponse>;
  listTokens(): Promise<TokenInfo[]>;
  generateToken(req: GenerateTokenRequest): Promise<TokenInfo>;
  deleteToken(token: string): Promise<void>;
  listSessionTrackers(): Promise<SessionTracker[]>;
  /** Audit events by the web UI's query (`from`, `to`, `include`, `limit`, `startKey`, `order`). */
  searchEvents(query: URLSearchParams): Promise<SearchEventsResponse>;
  listRecordings(q: ListRecordingsQuery): Promise<RecordingSummary[]>;
  /** A recording's events as JSON lines; errors before the first line are ordinary typed errors. */
  recordingStream(sid: string): Promise<StreamBody>;
}

/** The web UI's view of auth. */
export interface WebUIAuth {
  readonly clusterName: string;
  readonly sessions: WebSessionStore;
  /** The user of a live session, acting with the session's certificate. */
  userAPI(s: WebSession): Promise<WebUserAPI>;
  /** Completes an invite or reset link (`{user}`), for API callers. */
  completeUserToken(req: CompleteUserTokenRequest): Promise<{ user: string }>;
  /** Completes an invite or reset link and logs its user in, for browsers. */
  completeUserTokenLogin(req: CompleteUserTokenRequest): Promise<{ user: string; session: WebSession }>;
  /** The host CA's TLS certificates (the CA pins of install scripts). */
  hostCATLSCerts(): Promise<string[]>;
  /** The system roles join token `token` grants, or undefined when there is no such token (unknown or expired). */
  joinTokenRoles(token: string): Promise<string[] | undefined>;
  /** SSH public key blobs of the host CA, to check nodes that terminals connect to. */
  hostCAKeys(): Promise<Buffer[]>;
}

/** The web UI on the auth service of this process. */
export function localWebUIAuth(auth: AuthService): WebUIAuth {
  const ws = auth.webSessions;
  return {
    clusterName: auth.clusterName,
    sessions: {
      login: (req) => ws.login(req),
      get: (user, id) => ws.get(user, id),
      checkBearer: (s, token) => ws.checkBearer(s, token),
      renew: (prev) => ws.renew(prev),
      delete: (id) => ws.delete(id),
    },
    userAPI: async (s) => localUserAPI(auth, await ws.caller(s)),
    completeUserToken: (req) => auth.completeUserToken(req),
    completeUserTokenLogin: async (req) => {
      const done = await auth.completeUserToken(req);
      return { user: done.user, session: await ws.createFor(done.user) };
    },
    hostCATLSCerts: async () => (await auth.ping()).host_ca_certs,
    joinTokenRoles: (token) => auth.joinTokenRoles(token),
    hostCAKeys: async () => (await auth.trustBundle()).ssh_ca_keys.map((k) => parseAuthorizedKey(k).blob),
  };
}

function localUserAPI(auth: AuthService, caller: Caller): WebUserAPI {
  const recordings = (): NonNullable<AuthService['recordings']> => {
    if (!auth.recordings) throw new NotImplementedError('session recordings are not configured on this cluster');
    return auth.recordings;
  };
  return {
    caller,
    listNodes: () => auth.listNodes(caller),
    listResources: (kind) => auth.resources.list(caller, kind),
    getResource: (kind, name) => auth.resources.get(caller, kind, name),
    saveResource: (doc, overwrite) => auth.resources.create(caller, doc, overwrite),
    deleteResource: (kind, name) => auth.resources.delete(caller, kind, name),
    createUserToken: (user, req) => auth.createUserToken(caller, user, req),
    listTokens: () => auth.listTokens(caller),
    generateToken: (req) => auth.generateToken(caller, req),
    deleteToken: (token) => auth.deleteToken(caller, token),
    listSessionTrackers: () => auth.sessionTrackers.list(caller),
    searchEvents: (query) => searchEvents(auth, caller, query),
    listRecordings: (q) => recordings().list(caller, q),
    recordingStream: (sid) => recordings().stream(caller, sid),
  };
}
