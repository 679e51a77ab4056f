/**
 * The auth server's operations, each authorized against the caller: status, tokens, joining,
 * certificate issuance and user invites. Transport-free: api-server.ts maps HTTP to these calls.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type {
  CAStatus,
  CompleteUserTokenRequest,
  SSHLoginRequest,
  TOTPRegistration,
  UserTokenInfo,
  CreateUserTokenRequest,
  DatabaseCertRequest,
  DatabaseCertResponse,
  GenerateTokenRequest,
  HostCertsRequest,
  HostCertsResponse,
  PingResponse,
  RegisterRequest,
  RouteToDatabaseWire,
  StatusResponse,
  TokenInfo,
  UserCertsRequest,
  UserCertsResponse,
  UserTokenResponse,
} from '../api/auth-wire.js';
import { HOUR, formatDuration, parseDuration } from '../api/duration.js';
import { AccessDeniedError, BadParameterError, isCode } from '../api/errors.js';
import type { AgentServer, AuthPreference, NetworkingConfig, Node, User } from '../api/types/index.js';
import { NETWORKING_CONFIG_NAME } from '../api/types/index.js';
import type { SessionRecordingMode } from '../api/recording-wire.js';
import type { UserToken } from '../api/user-token.js';
import { VERSION } from '../api/version.js';
import { AuditLog, MemoryEventStore, type AuditEmitter } from '../events/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { RoleSet, applyRoleTraits } from '../rbac/index.js';
import { RecordingIndex, type RecordingStore } from '../recordings/index.js';
import type { Services } from '../services/index.js';
import { caPin, type RouteToDatabase } from '../tlsca/index.js';
import { AuthAudit, type RequestMeta } from './audit.js';
import { CA_TYPES, caSSHPublicKeys, caTLSCerts } from './authorities.js';
import type { Caller } from './caller.js';
import { authorize, authorizeOwnMFA, isAdmin, loadRoles } from './caller.js';
import { DEFAULT_USER_CERT_TTL, MAX_CERT_TTL, issueHostCerts, issueUserCerts } from './certs.js';
import { issueDatabaseCert } from './db-certs.js';
import { kubeCertFields } from './kube-certs.js';
import { HostNameIndex } from './host-name-index.js';
import { checkNamesHeld, requestedHostNames } from './host-names.js';
import { listTOTPDevices, type SecondFactorMode } from './local-login.js';
import { listNodes, upsertNodeHeartbeat } from './presence.js';
import { agentServerKind, listAgentServers, upsertAgentServerHeartbeat } from './agent-server-presence.js';
import { ProxyPresence } from './proxy-presence.js';
import { Semaphores } from './semaphores.js';
import { SessionTrackers } from './session-trackers.js';
import { RecordingsAPI } from './recordings.js';
import { ResourceAPI } from './resources.js';
import { completeUserToken, loginLocal, totpRegistration, userTokenInfo } from './user-setup.js';
import type { StaticToken } from './tokens.js';
import { checkMethodJoin, type JoinMethodOptions } from './join/index.js';
import { canonicalSystemRole, checkJoinToken, listTokens, newProvisionToken, randomToken } from './tokens.js';
import { ResourceWatches } from './watch-events.js';
import { WebSessions } from './web-sessions.js';
// Not ./sso/index.js: that also exports the SSO routes, which import route.ts, which imports this file.
import { SSOService } from './sso/sso-service.js';
import type { SSOAuthRequestCreate, SSOAuthRequestCreated, SSOCallbackRequest, SSOCallbackResponse, SSOConnectorInfo } from '../api/sso-wire.js';
import { MFAService } from './mfa/index.js';
import { authenticateLocal as checkPassword } from './local-login.js';
import { EXT_MFA_NODE, EXT_MFA_VERIFIED, SESSION_MFA_CERT_TTL_MS, sessionMFARequired } from '../api/mfa-wire.js';
import type { MFALoginBeginRequest, MFAAuthenticateChallenge, MFALoginFinishRequest, MFARegisterChallenge, SessionMFACertsRequest, WebAuthnAssertionResponse } from '../api/mfa-wire.js';
import { AppSessions } from './app-sessions.js';

/** What the auth service needs from its surroundings. */
/** Hosts per second an auth server takes back after a restart (a join-free heartbeat on a new connection). */
const DEFAULT_RECONNECT_RATE = 400;
const RECONNECT_WINDOW_MIN_MS = 2_000;
const RECONNECT_WINDOW_CAP_MS = 30_000;

export interface AuthServiceOptions {
  services: Services;
  /** Hosts per second this server takes back after a restart (sizes the nodes' reconnect window); default 400. */
  reconnectRate?: number;
  clusterName: string;
  staticTokens?: StaticToken[];
  /** The public address of a proxy (`host:port`) for invite links; looked up per call. */
  proxyAddr: () => Promise<string>;
  /** Where session recordings are kept and how nodes record; without it the recordings API answers NotImplemented. */
  recordings?: { store: RecordingStore; mode: SessionRecordingMode; logger: Logger; emitter?: AuditEmitter };
  /** Where audit events go and are searched (default: in memory, for tests). */
  audit?: AuditLog;
  /** How the secretless join methods reach AWS and Kubernetes (default: the real services). */
  joinMethods?: JoinMethodOptions;
}

const INVITE_TTL = { def: 1 * HOUR, max: 48 * HOUR };
const RESET_TTL = { def: 8 * HOUR, max: 24 * HOUR };

/** The operations. Every method taking a Caller throws AccessDeniedError when RBAC says no. */
export class AuthService {
  readonly resources: ResourceAPI;
  /** Session recordings: uploads from nodes, the list, playback (absent when not configured). */
  readonly recordings?: RecordingsAPI;
  /** The audit log: every sink of audit_events_uri, searched from the first. */
  readonly auditLog: AuditLog;
  private readonly audit: AuthAudit;
  /** Browser sessions (the proxy's web UI): login, renew, logout. */
  readonly webSessions: WebSessions;
  /** Application sessions (app-sessions.ts): created by users, read by proxies, ended at web logout. */
  readonly appSessions: AppSessions;
  /** Single sign-on: GitHub, OIDC and SAML logins (src/auth/sso). */
  readonly sso: SSOService;
  /** Proxy heartbeats, read by reverse tunnel discovery (see proxy-presence.ts). */
  readonly proxies: ProxyPresence;
  /** Live sessions the nodes report (see session-trackers.ts). */
  readonly sessionTrackers: SessionTrackers;
  /** Leases that hold max_connections across the cluster's nodes. */
  readonly semaphores: Semaphores;
  /** Watch streams of resource events for proxies and agents (see watch-events.ts). */
  readonly watches: ResourceWatches;
  /** MFA devices and WebAuthn ceremonies (src/auth/mfa). */
  readonly mfa: MFAService;
  /** Which host holds which name, for joins and renewals (host-name-index.ts); closed with the watches. */
  readonly hostNames: HostNameIndex;
  private readonly services: Services;
  private readonly staticTokens: StaticToken[];

  constructor(private readonly opts: AuthServiceOptions) {
    this.services = opts.services;
    this.staticTokens = opts.staticTokens ?? [];
    this.auditLog = opts.audit ?? new AuditLog({ sinks: [new MemoryEventStore()], clock: opts.services.clock, logger: silentLogger });
    this.audit = new AuthAudit(this.auditLog, opts.clusterName);
    if (opts.recordings) {
      const index = new RecordingIndex(opts.services.backend);
      const emitter = opts.recordings.emitter ?? this.auditLog;
      this.recordings = new RecordingsAPI({ events: this.auditLog, ...opts.recordings, emitter, index, clusterName: opts.clusterName, clock: opts.services.clock });
    }
    this.resources = new ResourceAPI(opts.services, opts.clusterName, this.audit);
    this.proxies = new ProxyPresence(opts.services, opts.clusterName);
    this.sessionTrackers = new SessionTrackers(opts.services, opts.clusterName);
    this.semaphores = new Semaphores(opts.services);
    this.hostNames = new HostNameIndex({ services: opts.services, clusterName: opts.clusterName, logger: opts.recordings?.logger ?? silentLogger });
    this.watches = new ResourceWatches({ services: opts.services, ...(opts.recordings && { logger: opts.recordings.logger }) });
    this.appSessions = new AppSessions(opts.services, opts.clusterName);
    this.mfa = new MFAService({
      services: opts.services,
      clusterName: opts.clusterName,
      audit: this.audit,
      preference: async () => (await this.authPreference()).spec,
      proxyAddr: opts.proxyAddr,
    });
    this.webSessions = new WebSessions({
      services: opts.services,
      onDelete: (user) => this.appSessions.deleteForUser(user),
      authenticate: (req) => this.authenticateLocal(req),
      issue: (user, req) => this.certsForUser(user, req),
    });
    this.sso = new SSOService({
      services: opts.services,
      audit: this.audit,
      issue: (user, req) => this.certsForUser(user, req),
      createWebSession: (user, ttlMs) => this.webSessions.createFor(user, ttlMs),
    });
  }

  get clusterName(): string {
    return this.opts.clusterName;
  }

  /** The cluster networking config; undefined where none is stored (the defaults apply). */
  async networkingConfig(): Promise<NetworkingConfig | undefined> {
    try {
      return await this.services.networkingConfig.get(NETWORKING_CONFIG_NAME);
    } catch (err) {
      if (isCode(err, 'not_found')) return undefined;
      throw err;
    }
  }

  /** Public facts for joiners and clients: no authentication needed. */
  async ping(): Promise<PingResponse> {
    const hostCA = await this.services.authorities('host').get(this.clusterName);
    return { cluster_name: this.clusterName, server_version: VERSION, host_ca_certs: caTLSCerts(hostCA) };
  }

  /** The cluster auth preference (login settings); no authorization: they are public via the proxy's ping. */
  authPreference(): Promise<AuthPreference> {
    return this.services.authPreference.get('cluster-auth-preference');
  }

  /** `tctl status`. */
  async status(caller: Caller): Promise<StatusResponse> {
    authorize(caller, 'cluster_name', 'read');
    const cas: CAStatus[] = [];
    for (const type of CA_TYPES) {
      const ca = await this.services.authorities(type).get(this.clusterName);
      const rot = ca.spec.rotation;
      const rotation =
        rot?.state === 'in_progress'
          ? `${rot.phase ?? 'rotating'} (mode: ${rot.mode ?? 'manual'}, started: ${rot.started ?? ''})`
          : rot?.last_rotated
            ? `rotated ${rot.last_rotated}`
            : 'never updated';
      cas.push({ type, cluster_name: this.clusterName, rotation, pins: type === 'host' ? caTLSCerts(ca).map(caPin) : [] });
    }
    return { cluster_name: this.clusterName, server_version: VERSION, cas };
  }

  async generateToken(caller: Caller, req: GenerateTokenRequest): Promise<TokenInfo> {
    const token = newProvisionToken(req, this.services.clock);
    authorize(caller, 'token', 'create', token);
    const t = await this.services.tokens.create(token);
    this.audit.joinTokenCreated(caller, t.metadata.name, t.spec.roles, t.metadata.expires);
    return { token: t.metadata.name, roles: t.spec.roles, labels: t.metadata.labels ?? {}, ...(t.metadata.expires && { expires: t.metadata.expires }) };
  }

  async listTokens(caller: Caller): Promise<TokenInfo[]> {
    authorize(caller, 'token', 'list');
    authorize(caller, 'token', 'read');
    return listTokens(this.services, this.staticTokens);
  }

  /**
   * The roles join token `token` grants (static or stored), or undefined when there is no such
   * token: what the proxy checks before serving an install script. Reveals nothing the token's
   * holder does not know.
   */
  async joinTokenRoles(token: string): Promise<string[] | undefined> {
    return (await listTokens(this.services, this.staticTokens)).find((t) => t.token === token)?.roles;
  }

  async deleteToken(caller: Caller, token: string): Promise<void> {
    authorize(caller, 'token', 'delete');
    if (this.staticTokens.some((t) => t.token === token)) {
      throw new BadParameterError('static tokens come from auth_service.tokens in teleport.yaml: remove them there');
    }
    await this.services.tokens.delete(token);
  }

  /** Joining: a host proves a valid token and receives host certificates for its public key. */
  async register(req: RegisterRequest, meta: RequestMeta = {}): Promise<HostCertsResponse> {
    if (typeof req?.token !== 'string' || req.token === '') throw new BadParameterError('missing join token');
    if (typeof req.host_id !== 'string' || req.host_id === '') throw new BadParameterError('missing host_id');
    const method = typeof req.join_method === 'string' && req.join_method !== '' ? req.join_method : 'token';
    const joining = { hostId: req.host_id, nodeName: req.node_name ?? '', role: String(req.role), token: req.token, method };
    let attributes: Record<string, unknown> | undefined;
    try {
      if (method === 'token') await checkJoinToken(this.services, this.staticTokens, req.token, req.role, req.host_id);
      else {
        const role = canonicalSystemRole(req.role);
        attributes = await checkMethodJoin(req, role, { services: this.services, clusterName: this.clusterName, clock: this.services.clock, options: this.opts.joinMethods ?? {} });
      }
      await this.hostNames.checkNamesNotHeld(req.host_id, requestedHostNames(req));
      const certs = await this.issueHostCerts({ ...req, role: canonicalSystemRole(req.role) });
      this.audit.instanceJoin(joining, meta, undefined, attributes);
      return certs;
    } catch (err) {
      this.audit.instanceJoin(joining, meta, err, attributes);
      throw err;
    }
  }

  /**
   * Host certificates (`host_cert` create): the administrator for any host (`tctl auth sign`); a host
   * renews its own, with the role and names it joined with, never a name another host holds.
   */
  async generateHostCerts(caller: Caller, req: HostCertsRequest): Promise<HostCertsResponse> {
    if (typeof req?.host_id !== 'string') throw new BadParameterError('missing host_id');
    const role = canonicalSystemRole(req.role, true);
    const names = requestedHostNames(req);
    authorize(caller, 'host_cert', 'create', { host_id: req.host_id, role, node_name: req.node_name ?? '', principals: names });
    if (!isAdmin(caller)) {
      if (caller.systemRole) checkNamesHeld(req.host_id, names, caller.hostNames ?? []);
      await this.hostNames.checkNamesNotHeld(req.host_id, names);
    }
    return this.issueHostCerts({ ...req, role });
  }

  /**
   * A certificate from the `db` CA (`tctl auth sign --format=db`; a database agent's client
   * certificate): callers allowed `create` on `database_certificate`.
   */
  async generateDatabaseCert(caller: Caller, req: DatabaseCertRequest): Promise<DatabaseCertResponse> {
    authorize(caller, 'database_certificate', 'create');
    // A host that joined as Node may run a database service beside its SSH service; only one that
    // heartbeats a database of its own may get client certificates, so a compromised SSH-only node
    // cannot mint a login to every database that trusts the db CA.
    if (caller.systemRole === 'Node') {
      const served = await this.services.agentServers('db_server').list();
      if (!served.some((s) => s.spec.host_id === caller.hostId)) {
        throw new AccessDeniedError(`Node host "${caller.hostId}" serves no database: only a host with a database service of its own may ask for database certificates`);
      }
    }
    const dbCA = await this.services.authorities('db').get(this.clusterName);
    return issueDatabaseCert(dbCA, req, this.services.clock);
  }

  /** Signs host certificates without any authorization: for this auth process itself, and after a token check. */
  async issueHostCerts(req: HostCertsRequest): Promise<HostCertsResponse> {
    if (typeof req.host_id !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(req.host_id)) throw new BadParameterError('invalid host_id');
    const role = canonicalSystemRole(req.role, true);
    const publicKey = parsePublicKey(req.public_key);
    const hostCA = await this.services.authorities('host').get(this.clusterName);
    const certs = await issueHostCerts(
      hostCA,
      publicKey,
      {
        hostId: req.host_id,
        nodeName: req.node_name ?? '',
        clusterName: this.clusterName,
        role,
        additionalPrincipals: req.additional_principals ?? [],
        dnsNames: req.dns_names ?? [],
      },
      this.services.clock,
    );
    return { ...certs, ...(await this.trustBundle()), cluster_name: this.clusterName };
  }

  /** CA material a client or host needs to trust this cluster's servers (and, for hosts, its users). */
  async trustBundle(): Promise<{ tls_ca_certs: string[]; ssh_ca_keys: string[] }> {
    const hostCA = await this.services.authorities('host').get(this.clusterName);
    return { tls_ca_certs: caTLSCerts(hostCA), ssh_ca_keys: caSSHPublicKeys(hostCA) };
  }

  /**
   * User certificates. Users may request their own; the administrator (and roles with `update` on
   * `user`, like editor, through `tctl auth sign`) may request them for anyone.
   */
  async generateUserCerts(caller: Caller, req: UserCertsRequest): Promise<UserCertsResponse> {
    if (typeof req?.username !== 'string') throw new BadParameterError('missing username');
    if (req.username !== caller.username && !isAdmin(caller)) {
      authorize(caller, 'user', 'update');
      authorize(caller, 'user', 'read');
    }
    return this.certsForUser(await this.services.users.get(req.username), req, caller.username);
  }

  /** Issues certificates to `user` per their current roles (the caller has been authorized or authenticated). */
  private async certsForUser(user: User, req: UserCertsRequest, issuer = user.metadata.name, meta: RequestMeta = {}, extraExtensions?: Record<string, string>, mfaVerified?: string): Promise<UserCertsResponse> {
    const status = user.spec.status;
    if (status?.is_locked && (!status.lock_expires || Date.parse(status.lock_expires) > this.services.clock.now())) {
      throw new AccessDeniedError(`user "${user.metadata.name}" is locked`);
    }
    const traits = user.spec.traits ?? {};
    const roles = (await loadRoles(this.services, user.spec.roles)).map((r) => applyRoleTraits(r, { traits }));
    const checker = new RoleSet(roles);
    // Without a TTL asked for, the cluster's default_session_ttl (teleport.yaml authentication), else 12h.
    const preset = req.ttl_ms === undefined ? (await this.authPreference().catch(notFoundAsUndefined))?.spec.default_session_ttl : undefined;
    const requested = req.ttl_ms ?? (preset ? parseDuration(preset) : DEFAULT_USER_CERT_TTL);
    if (!(requested > 0)) throw new BadParameterError(`invalid certificate TTL ${formatDuration(requested)}`);
    let ttlMs = Math.min(checker.adjustSessionTTL(requested), MAX_CERT_TTL);
    // An app certificate belongs to one of the user's live app sessions and ends with it.
    const app = req.route_to_app && (await this.appSessions.routeFor(user.metadata.name, req.route_to_app));
    if (app) ttlMs = Math.min(ttlMs, app.ttlMs);
    const kube = await kubeCertFields(this.services, roles, req.kubernetes_cluster);
    const userCA = await this.services.authorities('user').get(this.clusterName);
    const certs = await issueUserCerts(
      userCA,
      parsePublicKey(req.public_key),
      {
        username: user.metadata.name,
        roles: user.spec.roles,
        traits,
        logins: checker.logins(),
        ttlMs,
        clusterName: this.clusterName,
        routeToCluster: req.route_to_cluster ?? this.clusterName,
        permitPortForwarding: checker.canPortForward(),
        permitAgentForwarding: checker.canForwardAgents(),
        certFormat: req.cert_format ?? checker.certificateFormat(),
        ...(req.route_to_database && { routeToDatabase: routeToDatabaseOf(req.route_to_database) }),
        ...(extraExtensions && { extraExtensions }),
        ...(mfaVerified && { mfaVerified }),
        ...(app && { routeToApp: app.route }),
        ...kube,
      },
      this.services.clock,
    );
    this.audit.userCertIssued(
      issuer,
      { user: user.metadata.name, roles: user.spec.roles, logins: checker.logins(), traits, expires: certs.expires, routeToCluster: req.route_to_cluster ?? this.clusterName },
      meta,
    );
    return { ssh: certs.ssh, tls: certs.tls, ...(await this.trustBundle()), cluster_name: this.clusterName, expires: certs.expires.toISOString() };
  }

  /** An invite (`tctl users add`) or reset (`tctl users reset`) link for a local user. */
  async createUserToken(caller: Caller, username: string, req: CreateUserTokenRequest): Promise<UserTokenResponse> {
    authorize(caller, 'user', 'update');
    const user = await this.services.users.get(username);
    const limits = req.type === 'invite' ? INVITE_TTL : req.type === 'reset' ? RESET_TTL : undefined;
    if (!limits) throw new BadParameterError(`unknown user token type "${String(req.type)}"`);
    const ttl = req.ttl_ms ?? limits.def;
    if (!(ttl > 0) || ttl > limits.max) {
      throw new BadParameterError(`the ${req.type} link TTL must be between 0 and ${formatDuration(limits.max)}, got ${formatDuration(ttl)}`);
    }
    // Earlier links for the same user stop working.
    for (const t of await this.services.userTokens.list()) {
      if (t.spec.user === username) await this.services.userTokens.delete(t.metadata.name).catch(() => undefined);
    }
    if (req.type === 'reset') await this.services.passwords.delete(username);
    const token = randomToken();
    const proxy = await this.opts.proxyAddr();
    const path = req.type === 'invite' ? 'invite' : 'reset';
    const now = this.services.clock.now();
    const resource: UserToken = {
      kind: 'user_token',
      version: 'v3',
      sub_kind: req.type,
      metadata: { name: token, expires: new Date(now + ttl).toISOString() },
      spec: { user: user.metadata.name, url: `https://${proxy}/web/${path}/${token}`, created: new Date(now).toISOString() },
    };
    await this.services.userTokens.create(resource);
    this.audit.userTokenCreated(caller, user.metadata.name, ttl, resource.metadata.expires);
    return { token, user: username, url: resource.spec.url, expires: resource.metadata.expires };
  }

  /** The cluster's second factor setting for local logins. */
  private async secondFactor(): Promise<SecondFactorMode> {
    const cap = await this.authPreference();
    return (cap.spec.second_factor ?? 'otp') as SecondFactorMode;
  }

  /** Public: what an invite/reset link is for. */
  userTokenInfo(token: string): Promise<UserTokenInfo> {
    return userTokenInfo(this.services, token);
  }

  /** Public: the TOTP secret to register while completing a link. */
  totpRegistration(token: string): Promise<TOTPRegistration> {
    return totpRegistration(this.services, token, this.clusterName);
  }

  /** Public: completes an invite or reset link (password, and TOTP when required). */
  async completeUserToken(req: CompleteUserTokenRequest): Promise<{ user: string }> {
    const mode = await this.secondFactor();
    if (req?.webauthn_response) return this.completeUserTokenWebAuthn(req, mode);
    if (mode === 'webauthn') throw new BadParameterError('this cluster requires a security key (second_factor: webauthn): register one to complete the link');
    const user = await completeUserToken(this.services, req, mode);
    const name = user.metadata.name;
    // The device registered just now, if any: the newest one.
    const device = req.otp_code ? (await listTOTPDevices(this.services, name)).sort((a, b) => a.added_at.localeCompare(b.added_at)).pop() : undefined;
    this.audit.passwordSet(name, device);
    return { user: name };
  }

  /** An invite or reset link completed with a security key instead of a TOTP app. */
  private async completeUserTokenWebAuthn(req: CompleteUserTokenRequest, mode: SecondFactorMode): Promise<{ user: string }> {
    if (mode === 'otp' || mode === 'off') throw new BadParameterError(`this cluster's second_factor is ${mode}: security keys cannot be registered`);
    const info = await userTokenInfo(this.services, req.token);
    const cred = await this.mfa.verifyLinkRegistration(info.user, req.token, req.webauthn_response!);
    // The key stands in for the TOTP app: completeUserToken then asks for no code.
    const user = await completeUserToken(this.services, { ...req, otp_code: undefined }, 'optional');
    await this.mfa.storeWebAuthn(user.metadata.name, req.device_name || 'webauthn', cred);
    this.audit.passwordSet(user.metadata.name);
    return { user: user.metadata.name };
  }

  /** Public: the WebAuthn creation options for an invite or reset link's security key. */
  async webauthnRegistration(token: string, passwordless = false): Promise<MFARegisterChallenge> {
    const info = await userTokenInfo(this.services, token);
    return this.mfa.registerChallenge(info.user, { type: 'webauthn', passwordless }, token);
  }

  /**
   * Public: a login's first step with a security key. With a password, it is checked (failures
   * count towards the lockout) and the challenge names the user's keys; passwordless, any
   * discoverable key of the cluster may answer.
   */
  async mfaLoginBegin(req: MFALoginBeginRequest, meta: RequestMeta = {}): Promise<MFAAuthenticateChallenge> {
    const cap = await this.authPreference().catch(notFoundAsUndefined);
    if (cap?.spec.allow_local_auth === false) throw new AccessDeniedError('local authentication is disabled for this cluster (authentication.local_auth: false); log in with its SSO connector');
    if (req?.passwordless) return this.mfa.authenticateChallenge(undefined, 'passwordless');
    try {
      const user = await checkPassword(this.services, { user: req?.user ?? '', password: req?.password ?? '' }, 'off');
      return await this.mfa.authenticateChallenge(user.metadata.name, 'login');
    } catch (err) {
      this.audit.localLogin(typeof req?.user === 'string' ? req.user : '', meta, err);
      throw err;
    }
  }

  /** Checks a login's security key assertion (after mfaLoginBegin); records `user.login` either way. */
  async authenticateWebAuthn(user: string | undefined, response: WebAuthnAssertionResponse, meta: RequestMeta = {}): Promise<User> {
    try {
      const done = await this.mfa.verifyWebAuthn(response, user ? ['login'] : ['login', 'passwordless'], user || undefined);
      const u = await this.services.users.get(done.user);
      this.audit.localLogin(done.user, meta);
      return u;
    } catch (err) {
      this.audit.localLogin(user ?? '', meta, err);
      throw err;
    }
  }

  /** Public: `tsh login` finished with a security key: certificates for the request's key. */
  async mfaLoginFinish(req: MFALoginFinishRequest, meta: RequestMeta = {}): Promise<UserCertsResponse> {
    const user = await this.authenticateWebAuthn(req?.user, req?.webauthn_response, meta);
    const { user: _u, webauthn_response: _w, ...certReq } = req;
    return this.certsForUser(user, { ...certReq, username: user.metadata.name }, user.metadata.name, meta);
  }

  /** Whether the caller's sessions need an MFA check first (require_session_mfa of the cluster or a role). */
  async sessionMFARequired(caller: Caller): Promise<{ required: boolean }> {
    authorizeOwnMFA(caller);
    const cap = await this.authPreference().catch(notFoundAsUndefined);
    return { required: sessionMFARequired([cap?.spec.require_session_mfa, ...caller.checker.all().map((r) => r.spec.options?.require_session_mfa)]) };
  }

  /**
   * A per-session MFA certificate: after a TOTP code or security key assertion answering the
   * caller's own challenge, SSH and TLS certificates for one minute, marked `mfa-verified` with the
   * device and bound to one target: the node of an SSH session (SSH extensions), or the database
   * route or Kubernetes cluster of a database or Kubernetes session (the X.509 identity).
   */
  async sessionMFACerts(caller: Caller, req: SessionMFACertsRequest): Promise<UserCertsResponse> {
    const name = authorizeOwnMFA(caller);
    const targets = [req?.node, req?.route_to_database, req?.kubernetes_cluster].filter((t) => t !== undefined && t !== '');
    if (targets.length !== 1) throw new BadParameterError('name exactly one target: node (SSH), route_to_database or kubernetes_cluster');
    if (req.node !== undefined && typeof req.node !== 'string') throw new BadParameterError('node must be a string');
    if (req.kubernetes_cluster !== undefined && typeof req.kubernetes_cluster !== 'string') throw new BadParameterError('kubernetes_cluster must be a string');
    if (typeof req.public_key !== 'string') throw new BadParameterError('missing public_key');
    const device = await this.mfa.verifyResponse(name, req, 'session');
    const user = await this.services.users.get(name);
    const base = { username: name, public_key: req.public_key, ttl_ms: SESSION_MFA_CERT_TTL_MS };
    if (req.node) return this.certsForUser(user, base, name, {}, { [EXT_MFA_VERIFIED]: device.id, [EXT_MFA_NODE]: req.node });
    const route = req.route_to_database ? { route_to_database: req.route_to_database } : { kubernetes_cluster: req.kubernetes_cluster };
    return this.certsForUser(user, { ...base, ...route }, name, {}, undefined, device.id);
  }

  /** Public: local login with password (+ TOTP) returning certificates for the given public key. */
  async loginSSH(req: SSHLoginRequest, meta: RequestMeta = {}): Promise<UserCertsResponse> {
    const user = await this.authenticateLocal(req, meta);
    return this.certsForUser(user, { ...req, username: user.metadata.name }, user.metadata.name, meta);
  }

  /** Public: the SSO connectors login pages offer (names and button texts). */
  async ssoConnectors(): Promise<SSOConnectorInfo[]> {
    return this.sso.connectors();
  }

  /** Starts an SSO login for a proxy (this process's proxy: already trusted). */
  createSSORequest(kind: string, req: SSOAuthRequestCreate): Promise<SSOAuthRequestCreated> {
    return this.sso.createRequest(kind, req);
  }

  /** Completes an SSO login from the IdP's callback (this process's proxy). */
  completeSSO(kind: string, req: SSOCallbackRequest, meta: RequestMeta = {}): Promise<SSOCallbackResponse> {
    return this.sso.complete(kind, req, meta);
  }

  /** Checks a local user's password (+ TOTP) and records `user.login` either way (lockouts included). */
  async authenticateLocal(req: SSHLoginRequest, meta: RequestMeta = {}): Promise<User> {
    try {
      const cap = await this.authPreference().catch(notFoundAsUndefined);
      if (cap?.spec.allow_local_auth === false) {
        throw new AccessDeniedError('local authentication is disabled for this cluster (authentication.local_auth: false); log in with its SSO connector');
      }
      const user = await loginLocal(this.services, req, await this.secondFactor());
      this.audit.localLogin(user.metadata.name, meta);
      return user;
    } catch (err) {
      this.audit.localLogin(typeof req?.user === 'string' ? req.user : '', meta, err);
      throw err;
    }
  }

  /** A host's heartbeat (see presence.ts). */
  upsertNode(caller: Caller, node: unknown, ttlMs?: number): Promise<Node> {
    return upsertNodeHeartbeat(this.services, this.services.clock, caller, this.clusterName, node, ttlMs);
  }

  /**
   * How long the cluster's hosts should spread their return over when their connection to this
   * server breaks (a restart): the hosts registered over the rate this server takes them back at,
   * from 2 s to a 30 s cap. Nodes learn it from their heartbeat's answer (heartbeat.ts).
   */
  reconnectWindowMs(): number {
    const hosts = this.hostNames.hostCount;
    const rate = this.opts.reconnectRate ?? DEFAULT_RECONNECT_RATE;
    return Math.round(Math.min(RECONNECT_WINDOW_CAP_MS, Math.max(RECONNECT_WINDOW_MIN_MS, ((hosts ?? 0) / rate) * 1000)));
  }

  /** Nodes the caller may see (`tsh ls`, `tctl nodes ls`, the proxy's routing); with `host`, those it may name. */
  listNodes(caller: Caller, host?: string): Promise<Node[]> {
    return listNodes(this.services, caller, host === undefined ? undefined : { name: host, clusterName: this.clusterName });
  }

  /** An agent's heartbeat of a database, Kubernetes cluster or application it serves (agent-server-presence.ts). */
  upsertAgentServer(caller: Caller, kind: string, server: unknown, ttlMs?: number): Promise<AgentServer> {
    return upsertAgentServerHeartbeat(this.services, this.services.clock, caller, agentServerKind(kind), server, ttlMs);
  }

  /** The db_server, kube_server or app_server heartbeats the caller may list (the proxy's routing, tctl). */
  listAgentServers(caller: Caller, kind: string): Promise<AgentServer[]> {
    return listAgentServers(this.services, caller, agentServerKind(kind));
  }

  /** Reads a user token by its secret (for the invite page); NotFoundError when unknown or expired. */
  async getUserToken(token: string): Promise<UserToken> {
    try {
      return await this.services.userTokens.get(token);
    } catch (err) {
      if (isCode(err, 'not_found') || isCode(err, 'bad_parameter')) throw new AccessDeniedError('the link is invalid or has expired');
      throw err;
    }
  }
}

function parsePublicKey(pem: unknown): KeyObject {
  if (typeof pem !== 'string') throw new BadParameterError('missing public_key');
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new BadParameterError('public_key is not a PEM public key', { cause: err });
  }
}

/** The route of a `tsh db login` request, checked for shape (the proxy authorizes it at connect). */
function routeToDatabaseOf(r: RouteToDatabaseWire): RouteToDatabase {
  const ok = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max && !/[\u0000-\u001f]/.test(v);
  if (!r || !ok(r.service_name, 253) || r.service_name === '') throw new BadParameterError('route_to_database.service_name is required');
  if (!ok(r.protocol, 32) || r.protocol === '') throw new BadParameterError('route_to_database.protocol is required');
  if (r.username !== undefined && !ok(r.username, 253)) throw new BadParameterError('route_to_database.username must be a short string');
  if (r.database !== undefined && !ok(r.database, 253)) throw new BadParameterError('route_to_database.database must be a short string');
  return { serviceName: r.service_name, protocol: r.protocol, ...(r.username && { username: r.username }), ...(r.database && { database: r.database }) };
}

/** A missing cluster_auth_preference (a cluster not initialized by init.ts, in tests) reads as none. */
function notFoundAsUndefined(err: unknown): undefined {
  if (isCode(err, 'not_found')) return undefined;
  throw err;
}
