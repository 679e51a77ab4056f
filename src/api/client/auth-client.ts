/**
 * The typed client of the auth API, shared by tctl, tsh, the service processes and the web UI's
 * server side. Construct with credentials for authenticated calls; `AuthClient.join` for hosts
 * joining with a token (verifies the CA pin before trusting the server).
 */
import type { SSOAuthRequestCreate, SSOAuthRequestCreated, SSOCallbackRequest, SSOCallbackResponse, SSOConnectorInfo } from '../sso-wire.js';
import type { AppSessionWire, AppTokenRequest, CreateAppSessionRequest } from '../app-wire.js';
import { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type {
  CompleteUserTokenRequest,
  CreateUserTokenRequest,
  DatabaseCertRequest,
  DatabaseCertResponse,
  GenerateTokenRequest,
  SSHLoginRequest,
  TOTPRegistration,
  UserTokenInfo,
  HostCertsRequest,
  HostCertsResponse,
  PingResponse,
  RegisterRequest,
  StatusResponse,
  TokenInfo,
  UserCertsRequest,
  UserCertsResponse,
  UserTokenResponse,
  WebSessionData,
  WebSessionInviteResponse,
  WebSessionLoginRequest,
} from '../auth-wire.js';
import { searchQueryString, type AuditEventInput, type SearchEventsQuery, type SearchEventsResponse } from '../audit-wire.js';
import { AccessDeniedError, ConnectionProblemError, TeleportError, errorFromWire } from '../errors.js';
import type { CompleteRecordingRequest, ListRecordingsQuery, RecordingConfig, RecordingEvent, RecordingSummary } from '../recording-wire.js';
import { matchPins } from './ca-pin.js';
import type { WatchEvent } from '../watch-wire.js';
import { readWatchStream } from './watch-stream.js';
import { call, callStream, ConnectionPool, type ClientCredentials, type TransportOptions } from './transport.js';

/** The SNI name for a cluster: hex of its name under `.teleport.cluster.local`. */
export function clusterServerName(clusterName: string | undefined): string {
  return clusterName ? `${Buffer.from(clusterName, 'utf8').toString('hex')}.teleport.cluster.local` : 'teleport.cluster.local';
}

/** Options for an authenticated client. */
export interface AuthClientOptions {
  addr: string;
  /**
   * Further auth servers to fail over to, in order, when one cannot be reached (connection
   * refused, reset, timed out). The client remembers the last one that answered and starts there.
   */
  fallbackAddrs?: string[];
  /** Client certificate; without it only the public calls (ping, user setup, login) work. */
  credentials?: ClientCredentials;
  /** CAs to verify the server with when there are no credentials. */
  caPems?: string[];
  clusterName?: string;
  timeoutMs?: number;
  /** Reach the server over this stream instead of dialing `addr` (tsh: through the proxy). */
  dial?: () => Promise<Duplex>;
}

/** Who the server says we are. */
export interface WhoAmI {
  username: string;
  roles: string[];
  system_role: string;
  traits: Record<string, string[]>;
}

/** An authenticated auth API client. Every method throws the server's typed errors or ConnectionProblemError. */
export class AuthClient {
  private readonly t: TransportOptions;
  private readonly addrs: string[];
  private good = 0;

  constructor(opts: AuthClientOptions) {
    this.addrs = [opts.addr, ...(opts.fallbackAddrs ?? []).filter((a) => a !== opts.addr)];
    this.t = {
      addr: opts.addr,
      serverName: clusterServerName(opts.clusterName),
      ...(opts.credentials && { credentials: opts.credentials }),
      ...(opts.caPems && { caPems: opts.caPems }),
      ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }),
      ...(opts.dial && { dial: opts.dial }),
    };
    // One TLS context and keep-alive connections for the client's life (idle ones do not hold the process).
    this.t.pool = new ConnectionPool(this.t);
  }

  /** The address this client talks to now: the last auth server that answered. */
  get addr(): string {
    return this.addrs[this.good];
  }

  /** Drops the client's kept-alive connections; later calls open new ones. Safe to call twice. */
  close(): void {
    this.t.pool?.close();
  }

  /** Every auth server this client may use, the current one first. */
  get allAddrs(): string[] {
    return this.addrs.map((_, i) => this.addrs[(this.good + i) % this.addrs.length]);
  }

  /** One call to any route of the auth API (for route groups with their own client, as mfa-client.ts). */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.req(method, path, body);
  }

  private async req<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.failover((t) => call<T>(t, method, path, body).then((r) => r.body));
  }

  /**
   * Runs `fn` against the current auth server, then each other one in order while the failure is a
   * ConnectionProblemError (typed errors the server sent are final). A custom `dial` has no fallback.
   */
  private async failover<T>(fn: (t: TransportOptions) => Promise<T>): Promise<T> {
    if (this.t.dial || this.addrs.length === 1) return fn(this.t);
    let last: unknown;
    for (let i = 0; i < this.addrs.length; i++) {
      const idx = (this.good + i) % this.addrs.length;
      try {
        const out = await fn({ ...this.t, addr: this.addrs[idx] });
        this.good = idx;
        return out;
      } catch (err) {
        if (!(err instanceof ConnectionProblemError)) throw err;
        last = err;
      }
    }
    throw last;
  }

  ping(): Promise<PingResponse> {
    return this.req('GET', '/v1/ping');
  }
  whoami(): Promise<WhoAmI> {
    return this.req('GET', '/v1/whoami');
  }
  status(): Promise<StatusResponse> {
    return this.req('GET', '/v1/status');
  }

  /** Resources of a kind (`role`, `users`, `cap`, ...). */
  async listResources<T = unknown>(kind: string, opts: { withSecrets?: boolean } = {}): Promise<T[]> {
    const q = opts.withSecrets ? '?with_secrets=1' : '';
    return (await this.req<{ items: T[] }>('GET', `/v1/resources/${encodeURIComponent(kind)}${q}`)).items;
  }
  getResource<T = unknown>(kind: string, name: string, opts: { withSecrets?: boolean } = {}): Promise<T> {
    const q = opts.withSecrets ? '?with_secrets=1' : '';
    const path = name.split('/').map(encodeURIComponent).join('/');
    return this.req('GET', `/v1/resources/${encodeURIComponent(kind)}/${path}${q}`);
  }
  /** Creates a resource; `force` overwrites an existing one. */
  createResource<T = unknown>(resource: unknown, opts: { force?: boolean } = {}): Promise<T> {
    return this.req('POST', `/v1/resources${opts.force ? '?force=1' : ''}`, resource);
  }
  async deleteResource(kind: string, name: string): Promise<void> {
    const path = name.split('/').map(encodeURIComponent).join('/');
    await this.req('DELETE', `/v1/resources/${encodeURIComponent(kind)}/${path}`);
  }

  async listTokens(): Promise<TokenInfo[]> {
    return (await this.req<{ items: TokenInfo[] }>('GET', '/v1/tokens')).items;
  }
  generateToken(req: GenerateTokenRequest): Promise<TokenInfo> {
    return this.req('POST', '/v1/tokens', req);
  }
  async deleteToken(token: string): Promise<void> {
    await this.req('DELETE', `/v1/tokens/${encodeURIComponent(token)}`);
  }

  /** Nodes the caller may see; with `host`, only those that name may mean (UUID, hostname, address host). */
  async listNodes<T = unknown>(opts: { host?: string } = {}): Promise<T[]> {
    return (await this.req<{ items: T[] }>('GET', `/v1/nodes${opts.host ? `?host=${encodeURIComponent(opts.host)}` : ''}`)).items;
  }
  /** A host's heartbeat: the node resource, kept listed for `ttlMs`. */
  heartbeatNode<T = unknown>(node: unknown, ttlMs: number): Promise<T> {
    return this.req('PUT', '/v1/nodes/heartbeat', { node, ttl_ms: ttlMs });
  }

  /** An agent's heartbeat of a database, Kubernetes cluster or application (`db_server`, `kube_server`, `app_server`), kept listed for `ttlMs`. */
  heartbeatAgentServer<T = unknown>(kind: string, server: unknown, ttlMs: number): Promise<T> {
    return this.req('PUT', `/v1/servers/${encodeURIComponent(kind)}/heartbeat`, { server, ttl_ms: ttlMs });
  }
  /** The live `db_server`, `kube_server` or `app_server` heartbeats the caller may list. */
  async listAgentServers<T = unknown>(kind: string): Promise<T[]> {
    return (await this.req<{ items: T[] }>('GET', `/v1/servers/${encodeURIComponent(kind)}`)).items;
  }

  /** A proxy's heartbeat: the proxy resource, kept listed (and announced to agents) for `ttlMs`. */
  heartbeatProxy<T = unknown>(proxy: unknown, ttlMs: number): Promise<T> {
    return this.req('PUT', '/v1/proxies/heartbeat', { proxy, ttl_ms: ttlMs });
  }
  /** Proxies with a live heartbeat. */
  async listProxies<T = unknown>(): Promise<T[]> {
    return (await this.req<{ items: T[] }>('GET', '/v1/proxies')).items;
  }
  /** Removes a proxy's heartbeat (on clean shutdown). */
  async deleteProxy(name: string): Promise<void> {
    await this.req('DELETE', `/v1/proxies/${encodeURIComponent(name)}`);
  }

  /**
   * Resource events of `kinds` (see api/watch-wire.ts): `init` once the server's watcher is
   * registered, then puts and deletes in order. Ends when `signal` aborts; throws
   * ConnectionProblemError when the stream breaks or goes silent (watch again and re-sync),
   * LimitExceededError when this watcher fell behind, BadParameterError or AccessDeniedError for the kinds.
   */
  async *watchEvents(kinds: readonly string[], opts: { signal?: AbortSignal } = {}): AsyncGenerator<WatchEvent> {
    let addr = this.addr;
    const path = `/v1/watch?kinds=${kinds.map(encodeURIComponent).join(',')}`;
    const res = await this.failover((t) => {
      addr = t.addr;
      return callStream(t, 'GET', path, undefined, opts.signal);
    });
    yield* readWatchStream(res, { addr, ...(opts.signal && { signal: opts.signal }) });
  }

  /** A node's report of a live session: the session_tracker resource, kept listed for `ttlMs`. */
  upsertSessionTracker<T = unknown>(tracker: unknown, ttlMs: number): Promise<T> {
    return this.req('PUT', '/v1/sessions/trackers', { tracker, ttl_ms: ttlMs });
  }
  /** Live sessions the caller may see (session_tracker resources). */
  async listSessionTrackers<T = unknown>(): Promise<T[]> {
    return (await this.req<{ items: T[] }>('GET', '/v1/sessions/trackers')).items;
  }
  /** Removes a session's tracker (the session ended); a missing one is not an error. */
  async deleteSessionTracker(sessionId: string): Promise<void> {
    await this.req('DELETE', `/v1/sessions/trackers/${encodeURIComponent(sessionId)}`);
  }

  /** Take a lease on a semaphore (max_connections); LimitExceededError when none is left. */
  acquireSemaphore(req: { semaphore_kind: string; semaphore_name: string; max_leases: number; holder: string; expires_ms: number }): Promise<SemaphoreLeaseWire> {
    return this.req('POST', '/v1/semaphores/acquire', req);
  }
  /** Extend a lease; NotFoundError when it was lost. */
  renewSemaphore(lease: SemaphoreLeaseWire, expiresMs: number): Promise<SemaphoreLeaseWire> {
    return this.req('POST', '/v1/semaphores/renew', { ...lease, expires_ms: expiresMs });
  }
  /** Give a lease back. */
  async cancelSemaphore(lease: SemaphoreLeaseWire): Promise<void> {
    await this.req('POST', '/v1/semaphores/cancel', lease);
  }

  generateUserCerts(req: UserCertsRequest): Promise<UserCertsResponse> {
    return this.req('POST', '/v1/certs/user', req);
  }
  /** A certificate from the cluster's `db` CA (admins and database agents). */
  generateDatabaseCert(req: DatabaseCertRequest): Promise<DatabaseCertResponse> {
    return this.req('POST', '/v1/certs/db', req);
  }
  /** An application session for the calling user (`tsh app login`, the web UI's launcher). */
  createAppSession(req: CreateAppSessionRequest): Promise<AppSessionWire> {
    return this.req('POST', '/v1/appsessions', req);
  }
  /** Every live application session (proxies: `app_session` list and read). */
  listAppSessions(): Promise<AppSessionWire[]> {
    return this.req('GET', '/v1/appsessions');
  }
  /** An application session by ID (proxies; a user their own). */
  getAppSession(id: string): Promise<AppSessionWire> {
    return this.req('GET', `/v1/appsessions/${encodeURIComponent(id)}`);
  }
  /** Ends an application session (`tsh app logout`); an unknown one is fine. */
  async deleteAppSession(id: string): Promise<void> {
    await this.req('DELETE', `/v1/appsessions/${encodeURIComponent(id)}`);
  }
  /** A JWT from the cluster's `jwt` CA for a user of an app (application agents). */
  async generateAppToken(req: AppTokenRequest): Promise<string> {
    return (await this.req<{ token: string }>('POST', '/v1/apptokens', req)).token;
  }
  generateHostCerts(req: HostCertsRequest): Promise<HostCertsResponse> {
    return this.req('POST', '/v1/certs/host', req);
  }
  createUserToken(user: string, req: CreateUserTokenRequest): Promise<UserTokenResponse> {
    return this.req('POST', `/v1/users/${encodeURIComponent(user)}/token`, req);
  }

  /**
   * Hosts only: records audit events (the auth server stamps cluster_name, refuses events naming
   * another server_id than the caller's and validates each against the event registry).
   */
  async emitAuditEvents(events: AuditEventInput[]): Promise<void> {
    await this.req('POST', '/v1/events', { events });
  }
  /** One page of audit events; needs `list` and `read` on `event` (auditor, access presets). */
  searchEvents(q: SearchEventsQuery = {}): Promise<SearchEventsResponse> {
    return this.req('GET', `/v1/events/search${searchQueryString(q)}`);
  }

  /** The cluster's session recording mode (nodes ask before recording). */
  recordingConfig(): Promise<RecordingConfig> {
    return this.req('GET', '/v1/recordings/config');
  }
  /** A node uploads part `part` (1-based) of session `sid`'s recording (its framed, compressed bytes, in order). */
  async uploadRecordingPart(sid: string, part: number, data: Buffer | Buffer[]): Promise<void> {
    const res = await this.failover((t) => callStream(t, 'PUT', `/v1/recordings/${encodeURIComponent(sid)}/parts/${part}`, { data, contentType: 'application/octet-stream' }));
    res.resume();
  }
  /** A node completes session `sid`'s recording from parts 1..req.parts. */
  async completeRecording(sid: string, req: CompleteRecordingRequest): Promise<void> {
    await this.req('POST', `/v1/recordings/${encodeURIComponent(sid)}/complete`, req);
  }
  /** Completed recordings the caller may list (`session` list), newest first. */
  async listRecordings(q: ListRecordingsQuery = {}): Promise<RecordingSummary[]> {
    const p = new URLSearchParams();
    if (q.from) p.set('from', q.from);
    if (q.to) p.set('to', q.to);
    if (q.limit !== undefined) p.set('limit', String(q.limit));
    const qs = p.toString();
    return (await this.req<{ items: RecordingSummary[] }>('GET', `/v1/recordings${qs ? `?${qs}` : ''}`)).items;
  }
  /**
   * The events of session `sid`'s recording, streamed as the server reads them (constant memory at
   * both ends; a slow reader slows the server). NotFoundError when there is none, AccessDeniedError
   * without `session` read. Stop iterating (or abort `signal`) to cancel.
   */
  async *streamRecordingEvents(sid: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<RecordingEvent> {
    const res = await this.failover((t) => callStream(t, 'GET', `/v1/recordings/${encodeURIComponent(sid)}/events`, undefined, opts.signal));
    let rest = '';
    try {
      res.setEncoding('utf8');
      for await (const chunk of res as AsyncIterable<string>) {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line !== '') yield parseEventLine(line);
      }
    } catch (err) {
      if (err instanceof TeleportError) throw err;
      throw new ConnectionProblemError(`the recording stream of session ${sid} broke: ${(err as Error).message}`, { cause: err });
    } finally {
      res.destroy();
    }
    if (rest !== '') yield parseEventLine(rest);
  }

  /** Proxies: a web UI login (password + OTP as the cluster requires); the new session, key and certificates included. */
  webSessionLogin(req: WebSessionLoginRequest): Promise<WebSessionData> {
    return this.req('POST', '/v1/websessions', req);
  }
  /** Proxies: completes an invite or reset link and opens a web session for its user. */
  webSessionInvite(req: CompleteUserTokenRequest): Promise<WebSessionInviteResponse> {
    return this.req('POST', '/v1/websessions/invite', req);
  }
  /** Proxies: the live web session `id` of `user`. AccessDeniedError when it is gone or expired. */
  getWebSession(user: string, id: string): Promise<WebSessionData> {
    return this.req('GET', `/v1/websessions/${encodeURIComponent(id)}?user=${encodeURIComponent(user)}`);
  }
  /** Proxies: a new session (id, bearer token, certificates) replacing `id`, expiring no later. */
  renewWebSession(user: string, id: string): Promise<WebSessionData> {
    return this.req('POST', `/v1/websessions/${encodeURIComponent(id)}/renew`, { user });
  }
  /** Proxies: ends a web session (logout). */
  async deleteWebSession(id: string): Promise<void> {
    await this.req('DELETE', `/v1/websessions/${encodeURIComponent(id)}`);
  }
  /** Audit events by the web UI's query parameters (`from`, `to`, `include`, `limit`, `startKey`, `order`), passed as they are. */
  searchEventsByParams(params: URLSearchParams): Promise<SearchEventsResponse> {
    const qs = params.toString();
    return this.req('GET', `/v1/events/search${qs ? `?${qs}` : ''}`);
  }

  /** Public: what an invite/reset link is for. */
  userTokenInfo(token: string): Promise<UserTokenInfo> {
    return this.req('GET', `/v1/usertokens/${encodeURIComponent(token)}`);
  }
  /** Public: the TOTP secret to register while completing a link. */
  totpRegistration(token: string): Promise<TOTPRegistration> {
    return this.req('POST', `/v1/usertokens/${encodeURIComponent(token)}/totp`);
  }
  /** Public: completes an invite or reset link. */
  completeUserToken(req: CompleteUserTokenRequest): Promise<{ user: string }> {
    return this.req('POST', `/v1/usertokens/${encodeURIComponent(req.token)}/complete`, req);
  }
  /** Public: registers a host with a join token (the proxy forwards joins it receives; hosts use `join`). */
  register(req: RegisterRequest): Promise<HostCertsResponse> {
    return this.req('POST', '/v1/register', req);
  }
  /** Public: local login (password + TOTP) returning certificates for `public_key`. */
  loginSSH(req: SSHLoginRequest): Promise<UserCertsResponse> {
    return this.req('POST', '/v1/login/ssh', req);
  }
  /** Public: the SSO connectors (kind, name, button text). */
  async ssoConnectors(): Promise<SSOConnectorInfo[]> {
    return (await this.req<{ items: SSOConnectorInfo[] }>('GET', '/v1/sso/connectors')).items;
  }
  /** Proxies: starts an SSO login (`kind` github, oidc or saml); returns the IdP's login URL. */
  createSSORequest(kind: string, req: SSOAuthRequestCreate): Promise<SSOAuthRequestCreated> {
    return this.req('POST', `/v1/sso/${encodeURIComponent(kind)}/requests`, req);
  }
  /** Proxies: completes an SSO login from the IdP's callback. */
  completeSSO(kind: string, req: SSOCallbackRequest): Promise<SSOCallbackResponse> {
    return this.req('POST', `/v1/sso/${encodeURIComponent(kind)}/callback`, req);
  }

  /**
   * Joins the cluster with a token. With `caPins`, first fetches the server's host CA without
   * trusting it, checks it against the pins and that the server's certificate chains to it, then
   * registers over a connection verified against that CA. Without pins (Teleport's insecure
   * default), trusts the CA the server offers on first use.
   */
  static async join(opts: { addr: string; caPins: string[]; timeoutMs?: number }, req: RegisterRequest): Promise<HostCertsResponse> {
    const first = await call<PingResponse>({ addr: opts.addr, serverName: 'teleport.cluster.local', insecure: true, ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }) }, 'GET', '/v1/ping');
    const offered = first.body.host_ca_certs ?? [];
    const trusted = opts.caPins.length > 0 ? matchPins(offered, opts.caPins) : offered;
    const peerDer = first.peer?.raw;
    if (!peerDer) throw new AccessDeniedError('the auth server presented no certificate');
    const peer = new X509Certificate(peerDer);
    if (!trusted.some((pem) => peer.verify(new X509Certificate(pem).publicKey))) {
      throw new AccessDeniedError("the auth server's certificate is not signed by the pinned CA");
    }
    const res = await call<HostCertsResponse>(
      { addr: opts.addr, serverName: clusterServerName(first.body.cluster_name), caPems: trusted, ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }) },
      'POST',
      '/v1/register',
      req,
    );
    return res.body;
  }
}

/** One line of a recording stream: an event, or the server's error after the stream began. */
function parseEventLine(line: string): RecordingEvent {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new ConnectionProblemError('the recording stream carried a malformed line', { cause: err });
  }
  const o = v as { event?: unknown; error?: { code?: string; message?: string } };
  if (o.event === undefined && o.error && typeof o.error === 'object') throw errorFromWire(o.error.code ?? 'internal', o.error.message ?? 'recording stream failed');
  return o as RecordingEvent;
}

/** A semaphore lease as the auth API returns it. */
export interface SemaphoreLeaseWire {
  semaphore_kind: string;
  semaphore_name: string;
  lease_id: string;
  expires: string;
}
