/**
 * The cluster-state stores, each a ResourceStore on one Backend with Teleport's key layout
 * (lib/services/local): `/roles/<n>/params`, `/web/users/<n>/params`, `/tokens/<t>`,
 * `/authorities/<type>/<cluster>`, `/cluster_configuration/...`, `/nodes/default/<uuid>`,
 * `/proxies/<uuid>`, agent servers (agent-server-store.ts).
 */
import type { Clock } from '../api/clock.js';
import type {
  AuthPreference,
  NetworkingConfig,
  CertAuthority,
  App,
  Database,
  ClusterName,
  GithubConnector,
  OIDCConnector,
  SAMLConnector,
  ProvisionToken,
  Role,
  Node,
  ProxyServer,
  User,
  AgentServerKind,
} from '../api/types/index.js';
import { resolveKind, validateProxyServer } from '../api/types/index.js';
import type { UserToken } from '../api/user-token.js';
import { validateUserToken } from '../api/user-token.js';
import type { Backend } from '../backend/index.js';
import { AgentServerStore } from './agent-server-store.js';
import { ResourceStore } from './resource-store.js';
import { SecretStore } from './secret-store.js';

/** Every store the auth server uses, sharing one backend. */
export interface Services {
  backend: Backend;
  clock: Clock;
  roles: ResourceStore<Role>;
  users: ResourceStore<User>;
  tokens: ResourceStore<ProvisionToken>;
  /** One store per CA type; the resource name is the cluster name. */
  authorities: (type: string) => ResourceStore<CertAuthority>;
  clusterName: ResourceStore<ClusterName>;
  authPreference: ResourceStore<AuthPreference>;
  networkingConfig: ResourceStore<NetworkingConfig>;
  github: ResourceStore<GithubConnector>;
  /** OIDC and SAML connectors, `/web/connectors/<kind>/connectors/<name>`. */
  oidc: ResourceStore<OIDCConnector>;
  saml: ResourceStore<SAMLConnector>;
  nodes: ResourceStore<Node>;
  /** Databases registered with `tctl create` (kind `db`), `/db/<name>`. */
  databases: ResourceStore<Database>;
  /** Applications registered with `tctl create` (kind `app`), `/applications/<name>`. */
  apps: ResourceStore<App>;
  /** Proxy heartbeats (what reverse tunnel discovery lists). */
  proxies: ResourceStore<ProxyServer>;
  /** Heartbeats of database, Kubernetes and application agents, one store per kind. */
  agentServers: (kind: AgentServerKind) => AgentServerStore;
  /** Invite and reset tokens, `/usertoken/<id>/params`. */
  userTokens: ResourceStore<UserToken>;
  /** Password hashes, `/web/users/<n>/pwd`. */
  passwords: SecretStore;
}

const byKind =
  <T>(kind: string) =>
  (v: unknown): T =>
    resolveKind(kind).validate(v) as T;

const paramsUnder = (prefix: string) => (k: string) => k.startsWith(prefix) && k.endsWith('/params') && k.split('/').length === prefix.split('/').length + 1;

/** Builds the stores over `backend`. */
export function createServices(backend: Backend): Services {
  const authorityStores = new Map<string, ResourceStore<CertAuthority>>();
  const agentServerStores = new Map<AgentServerKind, AgentServerStore>();
  return {
    backend,
    clock: backend.clock,
    roles: new ResourceStore<Role>({
      backend,
      kind: 'role',
      prefix: '/roles/',
      keyOf: (n) => `/roles/${n}/params`,
      isResourceKey: paramsUnder('/roles/'),
      validate: byKind<Role>('role'),
    }),
    users: new ResourceStore<User>({
      backend,
      kind: 'user',
      prefix: '/web/users/',
      keyOf: (n) => `/web/users/${n}/params`,
      isResourceKey: paramsUnder('/web/users/'),
      validate: byKind<User>('user'),
    }),
    tokens: new ResourceStore<ProvisionToken>({
      backend,
      kind: 'token',
      prefix: '/tokens/',
      keyOf: (n) => `/tokens/${n}`,
      validate: byKind<ProvisionToken>('token'),
    }),
    authorities: (type: string) => {
      let s = authorityStores.get(type);
      if (!s) {
        s = new ResourceStore<CertAuthority>({
          backend,
          kind: `${type} certificate authority`,
          prefix: `/authorities/${type}/`,
          keyOf: (n) => `/authorities/${type}/${n}`,
          validate: byKind<CertAuthority>('cert_authority'),
        });
        authorityStores.set(type, s);
      }
      return s;
    },
    clusterName: new ResourceStore<ClusterName>({
      backend,
      kind: 'cluster name',
      prefix: '/cluster_configuration/name',
      keyOf: () => '/cluster_configuration/name',
      validate: byKind<ClusterName>('cluster_name'),
    }),
    authPreference: new ResourceStore<AuthPreference>({
      backend,
      kind: 'cluster auth preference',
      prefix: '/cluster_configuration/authentication_preference',
      keyOf: () => '/cluster_configuration/authentication_preference',
      validate: byKind<AuthPreference>('cluster_auth_preference'),
    }),
    networkingConfig: new ResourceStore<NetworkingConfig>({
      backend,
      kind: 'cluster networking configuration',
      prefix: '/cluster_configuration/networking',
      keyOf: () => '/cluster_configuration/networking',
      validate: byKind<NetworkingConfig>('cluster_networking_config'),
    }),
    github: new ResourceStore<GithubConnector>({
      backend,
      kind: 'github connector',
      prefix: '/web/connectors/github/connectors/',
      keyOf: (n) => `/web/connectors/github/connectors/${n}`,
      validate: byKind<GithubConnector>('github'),
    }),
    oidc: new ResourceStore<OIDCConnector>({
      backend,
      kind: 'oidc connector',
      prefix: '/web/connectors/oidc/connectors/',
      keyOf: (n) => `/web/connectors/oidc/connectors/${n}`,
      validate: byKind<OIDCConnector>('oidc'),
    }),
    saml: new ResourceStore<SAMLConnector>({
      backend,
      kind: 'saml connector',
      prefix: '/web/connectors/saml/connectors/',
      keyOf: (n) => `/web/connectors/saml/connectors/${n}`,
      validate: byKind<SAMLConnector>('saml'),
    }),
    nodes: new ResourceStore<Node>({
      backend,
      kind: 'node',
      prefix: '/nodes/default/',
      keyOf: (n) => `/nodes/default/${n}`,
      validate: byKind<Node>('node'),
    }),
    apps: new ResourceStore<App>({
      backend,
      kind: 'application',
      prefix: '/applications/',
      keyOf: (n) => `/applications/${n}`,
      validate: byKind<App>('app'),
    }),
    databases: new ResourceStore<Database>({
      backend,
      kind: 'database',
      prefix: '/db/',
      keyOf: (n) => `/db/${n}`,
      validate: byKind<Database>('db'),
    }),
    proxies: new ResourceStore<ProxyServer>({
      backend,
      kind: 'proxy',
      prefix: '/proxies/',
      keyOf: (n) => `/proxies/${n}`,
      validate: validateProxyServer,
    }),
    agentServers: (kind: AgentServerKind) => {
      let s = agentServerStores.get(kind);
      if (!s) {
        s = new AgentServerStore(backend, kind);
        agentServerStores.set(kind, s);
      }
      return s;
    },
    userTokens: new ResourceStore<UserToken>({
      backend,
      kind: 'user token',
      prefix: '/usertoken/',
      keyOf: (n) => `/usertoken/${n}/params`,
      isResourceKey: paramsUnder('/usertoken/'),
      validate: validateUserToken,
    }),
    passwords: new SecretStore(backend, (user) => `/web/users/${user}/pwd`),
  };
}
