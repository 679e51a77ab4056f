/**
 * What the web UI needs from the auth server, as narrow interfaces with two implementations in
 * src/service (the composition of auth and proxy): the auth service of the same process
 * (local-web-ui-auth.ts), and the auth API for a proxy running on its own (remote-web-ui-auth.ts),
 * where web sessions are read through the proxy's host identity and everything the user does goes to
 * auth with the user's own certificate, so the auth server's RBAC decides every call in both cases.
 * The proxy imports only types from src/auth, so a proxy-only process loads no auth-server code.
 */
import type { CompleteUserTokenRequest, CreateUserTokenRequest, GenerateTokenRequest, TokenInfo, UserCertsResponse, UserTokenResponse } from '../../api/auth-wire.js';
import type { AppSessionWire, CreateAppSessionRequest } from '../../api/app-wire.js';
import type { SearchEventsResponse } from '../../api/audit-wire.js';
import type { ListRecordingsQuery, RecordingSummary } from '../../api/recording-wire.js';
import type { AgentServer, Node, SessionTracker } from '../../api/types/index.js';
import type { Caller, WebSession } from '../../auth/index.js';
import type { StreamBody } from '../../httpserver/index.js';
import type { MFAAddDeviceRequest, MFAAuthenticateChallenge, MFADeviceInfo, MFARegisterBeginRequest, MFARegisterChallenge, SessionMFACertsRequest, WebAuthnAssertionResponse } from '../../api/mfa-wire.js';

/** Browser sessions. Every method throws AccessDeniedError for anything that is not a live session. */
export interface WebSessionStore {
  /** A local login (password + OTP as the cluster requires). */
  login(req: { user: string; password: string; otp?: string }): Promise<WebSession>;
  /** A security-key login (after the password step, or passwordless without a user). */
  loginWebAuthn(req: { user?: string; webauthn_response: WebAuthnAssertionResponse; remoteAddr?: string }): Promise<WebSession>;
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
  /** The db_server heartbeats of the databases the user's roles reach (auth filters by db_labels). */
  listDatabaseServers(): Promise<AgentServer[]>;
  /** The kube_server heartbeats of the Kubernetes clusters the user's roles reach (auth filters by kubernetes_labels). */
  listKubeServers(): Promise<AgentServer[]>;
  /** The app_server heartbeats of the apps the user's roles reach (auth filters by app_labels). */
  listAppServers(): Promise<AgentServer[]>;
  /** A new app session for the user (auth checks app_labels). */
  createAppSession(req: CreateAppSessionRequest): Promise<AppSessionWire>;
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
  /** The user's own MFA devices: list, add (challenge, then the answer), remove; a per-session challenge. */
  listMFADevices(): Promise<MFADeviceInfo[]>;
  mfaRegisterChallenge(req: MFARegisterBeginRequest): Promise<MFARegisterChallenge>;
  addMFADevice(req: MFAAddDeviceRequest): Promise<MFADeviceInfo>;
  removeMFADevice(name: string): Promise<void>;
  mfaChallenge(): Promise<MFAAuthenticateChallenge>;
  /** Whether the user's sessions need an MFA check (require_session_mfa), and the one-minute certificate after it. */
  sessionMFARequired(): Promise<boolean>;
  sessionMFACerts(req: SessionMFACertsRequest): Promise<UserCertsResponse>;
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
  /** cluster_networking_config's web_idle_timeout in ms (0: none): the web UI signs out after this much inactivity. */
  webIdleTimeoutMs(): Promise<number>;
}
