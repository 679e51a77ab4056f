/**
 * The web UI of a proxy without an auth server in its process. Web sessions are created, read,
 * renewed and ended through the auth API with the proxy's host identity (they live in the cluster's
 * backend, so every proxy sees them); what the logged-in user does goes to auth over a client holding
 * the session's own key and certificate, so auth's RBAC decides each call as it does for `tsh`.
 * Role definitions (for what the UI offers: logins per node, menu entries) are read with the host
 * identity and kept for a few seconds.
 */
import { NETWORKING_CONFIG_NAME, networkingSettings, type NetworkingConfig } from '../api/types/index.js';
import type { AuthClient, ClientCredentials } from '../api/client/index.js';
import { MFAClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';
import { isCode } from '../api/errors.js';
import type { RecordingEvent } from '../api/recording-wire.js';
import { RECORDING_STREAM_CONTENT_TYPE } from '../api/recording-wire.js';
import type { AgentServer, Role, SessionTracker, Node } from '../api/types/index.js';
import { checkBearerToken, userCaller, type WebSession } from '../auth/index.js';
import { StreamBody } from '../httpserver/index.js';
import type { WebUIAuth, WebUserAPI } from '../proxy/index.js';
import { identityFromCertificate } from '../tlsca/index.js';

/** How long a role definition read from auth is reused. */
export const ROLE_CACHE_MS = 5_000;
/** Per-session user clients kept at most (the oldest is closed beyond). */
export const MAX_USER_CLIENTS = 1_000;

/** Options of the remote web UI. */
export interface RemoteWebUIAuthOptions {
  /** The proxy's own client (host identity, failover between auth servers). */
  client: AuthClient;
  /** A client acting as the user with these credentials, against the same auth servers. */
  userClient: (credentials: ClientCredentials) => AuthClient;
  /** The cluster's TLS CA certificates, to verify auth servers with the user's client. */
  caPems: string[];
  clusterName: string;
  /** SSH key blobs of the host CA (the proxy's cache). */
  hostCAKeys: () => Promise<Buffer[]>;
  clock: Clock;
}

/** WebUIAuth over the auth API. Errors are auth's typed errors, or ConnectionProblemError when no auth server answers. */
export class RemoteWebUIAuth implements WebUIAuth {
  readonly clusterName: string;
  readonly sessions: WebUIAuth['sessions'];
  private readonly roles = new Map<string, { at: number; role?: Role }>();
  private readonly users = new Map<string, { client: AuthClient; expires: number }>();

  constructor(private readonly opts: RemoteWebUIAuthOptions) {
    this.clusterName = opts.clusterName;
    const { client, clock } = opts;
    this.sessions = {
      login: (req) => client.webSessionLogin({ user: req.user, password: req.password, ...(req.otp && { otp: req.otp }) }),
      loginWebAuthn: (req) =>
        new MFAClient(client).webSessionLogin({ ...(req.user && { user: req.user }), webauthn_response: req.webauthn_response, ...(req.remoteAddr && { remote_addr: req.remoteAddr }) }),
      get: (user, id) => client.getWebSession(user, id),
      checkBearer: (s, token) => checkBearerToken(s, token, clock.now()),
      renew: (prev) => client.renewWebSession(prev.user, prev.id),
      delete: async (id) => {
        this.dropUser(id);
        await client.deleteWebSession(id);
      },
    };
  }

  completeUserToken: WebUIAuth['completeUserToken'] = (req) => this.opts.client.completeUserToken(req);

  completeUserTokenLogin: WebUIAuth['completeUserTokenLogin'] = (req) => this.opts.client.webSessionInvite(req);

  async hostCATLSCerts(): Promise<string[]> {
    return (await this.opts.client.ping()).host_ca_certs;
  }

  async joinTokenRoles(token: string): Promise<string[] | undefined> {
    // The proxy's host identity may list tokens (its builtin role reads them), static ones included.
    return (await this.opts.client.listTokens()).find((t) => t.token === token)?.roles;
  }

  hostCAKeys(): Promise<Buffer[]> {
    return this.opts.hostCAKeys();
  }

  async webIdleTimeoutMs(): Promise<number> {
    const cfg = await this.opts.client.getResource<NetworkingConfig>('cluster_networking_config', NETWORKING_CONFIG_NAME).catch(() => undefined);
    return networkingSettings(cfg).webIdleTimeoutMs;
  }

  async userAPI(s: WebSession): Promise<WebUserAPI> {
    const identity = identityFromCertificate(s.tls_cert);
    const caller = userCaller(identity, await this.roleDefinitions(identity.groups));
    const c = this.userClient(s);
    return {
      caller,
      listNodes: () => c.listNodes<Node>(),
      listDatabaseServers: () => c.listAgentServers<AgentServer>('db_server'),
      listAppServers: () => c.listAgentServers<AgentServer>('app_server'),
      listKubeServers: () => c.listAgentServers<AgentServer>('kube_server'),
      createAppSession: (req) => c.createAppSession(req),
      listResources: (kind) => c.listResources(kind),
      getResource: (kind, name) => c.getResource(kind, name),
      saveResource: (doc, overwrite) => c.createResource(doc, { force: overwrite }),
      deleteResource: (kind, name) => c.deleteResource(kind, name),
      createUserToken: (user, req) => c.createUserToken(user, req),
      listTokens: () => c.listTokens(),
      generateToken: (req) => c.generateToken(req),
      deleteToken: (token) => c.deleteToken(token),
      listSessionTrackers: () => c.listSessionTrackers<SessionTracker>(),
      searchEvents: (query) => c.searchEventsByParams(query),
      listRecordings: (q) => c.listRecordings(q),
      recordingStream: (sid) => recordingStream(c, sid),
      listMFADevices: () => new MFAClient(c).listDevices(),
      mfaRegisterChallenge: (req) => new MFAClient(c).registerChallenge(req),
      addMFADevice: (req) => new MFAClient(c).addDevice(req),
      removeMFADevice: (name) => new MFAClient(c).removeDevice(name),
      mfaChallenge: () => new MFAClient(c).challenge(),
      sessionMFARequired: () => new MFAClient(c).sessionMFARequired(),
      sessionMFACerts: (req) => new MFAClient(c).sessionCerts(req),
    };
  }

  /** Closes every user client. Safe twice. */
  close(): void {
    for (const id of [...this.users.keys()]) this.dropUser(id);
  }

  private userClient(s: WebSession): AuthClient {
    const now = this.opts.clock.now();
    const kept = this.users.get(s.id);
    if (kept && kept.expires > now) return kept.client;
    this.dropUser(s.id);
    for (const [id, u] of this.users) if (u.expires <= now) this.dropUser(id);
    while (this.users.size >= MAX_USER_CLIENTS) this.dropUser(this.users.keys().next().value!);
    const client = this.opts.userClient({ keyPem: s.priv, certPem: s.tls_cert, caPems: this.opts.caPems });
    this.users.set(s.id, { client, expires: Date.parse(s.expires) });
    return client;
  }

  private dropUser(id: string): void {
    this.users.get(id)?.client.close();
    this.users.delete(id);
  }

  private async roleDefinitions(names: string[]): Promise<Role[]> {
    const now = this.opts.clock.now();
    const out: Role[] = [];
    for (const name of names) {
      let entry = this.roles.get(name);
      if (!entry || now - entry.at >= ROLE_CACHE_MS) {
        try {
          entry = { at: now, role: await this.opts.client.getResource<Role>('role', name) };
        } catch (err) {
          // A role deleted since the certificate was issued grants nothing.
          if (!isCode(err, 'not_found')) throw err;
          entry = { at: now };
        }
        this.roles.set(name, entry);
      }
      if (entry.role) out.push(entry.role);
    }
    return out;
  }
}

/** A recording from auth as JSON lines; the first event is awaited so errors come before the response starts. */
async function recordingStream(c: AuthClient, sid: string): Promise<StreamBody> {
  const it = c.streamRecordingEvents(sid)[Symbol.asyncIterator]();
  const first = await it.next();
  async function* lines(): AsyncGenerator<Buffer> {
    try {
      for (let r: IteratorResult<RecordingEvent> = first; !r.done; r = await it.next()) yield Buffer.from(JSON.stringify(r.value) + '\n');
    } finally {
      await it.return?.(undefined);
    }
  }
  return new StreamBody(RECORDING_STREAM_CONTENT_TYPE, lines());
}
