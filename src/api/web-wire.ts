/**
 * JSON shapes of the proxy's web API for the browser UI, as Teleport's web API sends them
 * (`lib/web/ui` and `api/client/webclient`). Shared by the proxy (src/proxy/web/) and web/.
 * Types only.
 */

/** Body of `POST /webapi/sessions/web`. */
export interface CreateWebSessionRequest {
  user: string;
  pass: string;
  second_factor_token?: string;
}

/** Answer of login, renew and invite completion: the bearer token for `Authorization: Bearer`. */
export interface CreateWebSessionResponse {
  type: 'Bearer';
  token: string;
  /** Seconds until the bearer token expires (renew before). */
  expires_in: number;
  /** RFC 3339: when the whole session (its certificates) expires. */
  sessionExpires: string;
  /** Milliseconds of allowed inactivity; 0 = none. */
  sessionInactiveTimeout: number;
}

/** Error bodies: `{error: {message}}`; resource validation adds the field and its YAML line. */
export interface WebAPIError {
  error: { message: string; field?: string; line?: number };
}

/** `GET /webapi/users/password/token/:token`. */
export interface UserTokenInfoResponse {
  tokenId: string;
  user: string;
  expiry: string;
  type: 'invite' | 'reset';
}

/** `POST /webapi/mfa/token/:token/registerchallenge` with `{deviceType: "totp"}`. */
export interface TOTPChallengeResponse {
  totp: { secret: string; uri: string; account: string };
}

/** `PUT /webapi/users/password/token` body (password base64, as Go encodes []byte). */
export interface ChangePasswordWithTokenRequest {
  token: string;
  password: string;
  second_factor_token?: string;
  deviceName?: string;
}

/** A cluster as `GET /webapi/sites` lists it. */
export interface WebCluster {
  name: string;
  lastConnected: string;
  status: 'online' | 'offline';
  publicURL: string;
  authVersion: string;
  proxyVersion: string;
}

/** What a user may do with a kind of resource (Teleport's UI ACL entry). */
export interface WebAccess {
  list: boolean;
  read: boolean;
  edit: boolean;
  create: boolean;
  remove: boolean;
}

/** `GET /webapi/sites/:site/context`: who is logged in and what the UI may offer. */
export interface UserContext {
  authType: 'local';
  userName: string;
  roles: string[];
  /** OS logins of the user's certificate. */
  logins: string[];
  sessionExpires: string;
  cluster: WebCluster;
  userAcl: {
    users: WebAccess;
    roles: WebAccess;
    tokens: WebAccess;
    nodes: WebAccess;
    events: WebAccess;
    recordedSessions: WebAccess;
  };
}

/** A label as the UI shows it. */
export interface WebLabel {
  name: string;
  value: string;
}

/** A node in `GET /webapi/sites/:site/nodes` and `/resources?kinds=node`. */
export interface WebNode {
  kind: 'node';
  id: string;
  siteId: string;
  hostname: string;
  addr: string;
  tunnel: boolean;
  subKind: string;
  tags: WebLabel[];
  /** Logins the user may use on this node. */
  sshLogins: string[];
}

/** One participant of a live session, as Teleport's session.Party. */
export interface WebSessionParty {
  id: string;
  user: string;
  mode: string;
  serverId: string;
  lastActive: string;
}

/** A live session in `GET /webapi/sites/:site/sessions` (Teleport's session.Session JSON). */
export interface WebActiveSession {
  id: string;
  namespace: string;
  kind: string;
  login: string;
  created: string;
  last_active: string;
  server_id: string;
  server_hostname: string;
  server_addr: string;
  cluster_name: string;
  parties: WebSessionParty[];
  /** The exec command; empty for an interactive shell. */
  command: string;
  /** The modes the user may join it in (Teleport's participantModes); empty when they may not join. */
  participantModes: string[];
}

/** A page of resources. */
export interface WebPage<T> {
  items: T[];
  startKey: string;
  totalCount: number;
}

/** A local user in `GET /webapi/users`. */
export interface WebUser {
  name: string;
  roles: string[];
  authType: 'local';
  traits: { logins: string[] };
  /** Set while locked after failed logins. */
  locked?: { until: string; message: string };
}

/** `POST|PUT /webapi/users` body. */
export interface SaveUserRequest {
  name: string;
  roles: string[];
  traits?: { logins?: string[] };
}

/** `POST /webapi/users/password/token` body: `invite` for a new user, `password` for a reset. */
export interface CreateUserTokenWebRequest {
  name: string;
  type: 'invite' | 'password';
  /** Go duration string or nanoseconds; default 1h (invite) / 8h (reset). */
  ttl?: string | number;
}

/** A resource shown as text (roles). */
export interface ResourceItem {
  id: string;
  kind: string;
  name: string;
  /** YAML as `tctl get` prints it. */
  content: string;
}

/** A join token in `GET /webapi/tokens`. */
export interface WebJoinToken {
  id: string;
  safeName: string;
  kind: 'token';
  roles: string[];
  isStatic: boolean;
  expiry: string | null;
  method: 'token';
}

/** `POST /webapi/token` body. */
export interface CreateJoinTokenRequest {
  roles: string[];
  join_method?: 'token';
  /** Seconds (default 30 minutes). */
  ttl_seconds?: number;
  suggested_labels?: WebLabel[];
}

/** `POST /webapi/token` answer, with the one-line install command for the "add a server" flow. */
export interface JoinTokenResponse {
  id: string;
  expiry: string;
  roles: string[];
  /** `curl ... | sudo bash` line to run on the new server. */
  command: string;
}

/** Payload of the terminal's `s` envelope. */
export interface TerminalSessionMetadata {
  session: {
    id: string;
    login: string;
    server_id: string;
    server_hostname: string;
    server_addr: string;
    cluster_name: string;
    created: string;
    terminal_params: { w: number; h: number };
  };
}
