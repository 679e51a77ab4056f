/**
 * The typed, validated form of teleport.yaml. Durations are milliseconds, addresses are NetAddr,
 * names are camelCase; which services run is decided once, in `services`.
 */
import type { NetAddr } from './address.js';

/** Config file versions Teleport knows; a file without `version:` is v1. */
export type ConfigVersion = 'v1' | 'v2' | 'v3';

/** Log severities, canonical spelling (the file may use any case, `err`, `warning`). */
export type LogSeverity = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Storage types this release runs (`dir` is SQLite too; `postgres` is read as `postgresql`). */
export type StorageType = 'sqlite' | 'dir' | 'postgresql' | 'etcd' | 'dynamodb';

/** `storage` of type `sqlite`/`dir`: SQLite's pragmas and the watch buffer. */
export interface SqliteStorageConfig {
  /** `sync`: PRAGMA synchronous (default NORMAL). */
  sync?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  /** `journal`: PRAGMA journal_mode (default WAL). */
  journal?: 'DELETE' | 'TRUNCATE' | 'PERSIST' | 'MEMORY' | 'WAL' | 'OFF';
  /** `buffer_size`: events a watcher may fall behind before it is closed. */
  bufferSize?: number;
}

/** `storage` of type `postgresql`: Teleport's keys (durations in ms). TLS settings live in the URL. */
export interface PostgresStorageConfig {
  connString: string;
  changeFeedConnString?: string;
  changeFeedPollInterval?: number;
  disableExpiry: boolean;
  expiryInterval?: number;
}

/** `storage` of type `etcd`: Teleport's keys (durations in ms). */
export interface EtcdStorageConfig {
  peers: string[];
  /** With a leading `/` (added when the file leaves it out, as Teleport does). */
  prefix: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsCaFile?: string;
  insecure: boolean;
  username?: string;
  /** Read when the backend opens. */
  passwordFile?: string;
  dialTimeout?: number;
  bufferSize?: number;
  maxClientMsgSizeBytes?: number;
}

/** `storage` of type `dynamodb`: Teleport's keys (durations in ms). */
export interface DynamoStorageConfig {
  region?: string;
  tableName: string;
  accessKey?: string;
  secretKey?: string;
  /** An endpoint override (a VPC endpoint, DynamoDB Local, dynalite). */
  endpoint?: string;
  billingMode: 'pay_per_request' | 'provisioned';
  readCapacityUnits?: number;
  writeCapacityUnits?: number;
  pollStreamPeriod?: number;
  bufferSize?: number;
  continuousBackups: boolean;
  autoScaling: boolean;
  readMinCapacity?: number;
  readMaxCapacity?: number;
  readTargetValue?: number;
  writeMinCapacity?: number;
  writeMaxCapacity?: number;
  writeTargetValue?: number;
}

/** `auth_service.authentication.type`. */
export type AuthType = 'local' | 'github' | 'oidc' | 'saml';

/** `auth_service.authentication.second_factor`. */
export type SecondFactor = 'off' | 'otp' | 'on' | 'optional' | 'webauthn';

/** `auth_service.session_recording`. */
export type SessionRecordingMode = 'node' | 'node-sync' | 'proxy' | 'proxy-sync' | 'off';

/** A connection rate limit: `average` per `period` (ms) with bursts up to `burst`. */
export interface ConnectionRate {
  period: number;
  average: number;
  burst: number;
}

/** The `teleport:` section. */
export interface GlobalConfig {
  nodename: string;
  dataDir: string;
  pidFile?: string;
  /** Legacy join token (`auth_token`); `joinParams` is the newer spelling. */
  authToken?: string;
  /** v1/v2 `auth_servers` (default port 3025) or v3 `auth_server`, as a list. */
  authServers: NetAddr[];
  /** v3 `proxy_server` (default port 3080). */
  proxyServer?: NetAddr;
  joinParams?: { tokenName: string; method: string };
  caPins: string[];
  /** `teleport start --insecure`: join through a proxy whose web certificate is not verified (no teleport.yaml key). */
  insecure?: boolean;
  advertiseIp?: string;
  diagAddr?: NetAddr;
  cache: { enabled: boolean; type: 'in-memory' | 'sqlite'; ttl?: number; maxBackoff: number };
  connectionLimits: { maxConnections: number; maxUsers: number; rates: ConnectionRate[] };
  log: {
    /** `stderr`, `stdout`, `syslog` or a file path. */
    output: string;
    severity: LogSeverity;
    format: { output: 'text' | 'json'; extraFields: string[] };
  };
  storage: {
    type: StorageType;
    /** Database directory; defaults to `<data_dir>/backend`. */
    path: string;
    /** Empty means the default local audit log under `<data_dir>/log`. */
    auditEventsUri: string[];
    auditSessionsUri?: string;
    /** Set for type `sqlite` / `dir`. */
    sqlite?: SqliteStorageConfig;
    /** Set for type `postgresql`. */
    postgresql?: PostgresStorageConfig;
    /** Set for type `etcd`. */
    etcd?: EtcdStorageConfig;
    /** Set for type `dynamodb`. */
    dynamodb?: DynamoStorageConfig;
  };
  shutdownDelay?: number;
  ciphers?: string[];
  kexAlgorithms?: string[];
  macAlgorithms?: string[];
  /** `ciphersuites`: TLS 1.2 suites of every TLS server, in Teleport's names (defaults when absent). */
  cipherSuites?: string[];
}

/** A static provisioning token from `auth_service.tokens` (`"node,proxy:abc123"`). */
export interface StaticToken {
  /** Canonical Teleport role names (`Node`, `Proxy`, `Auth`, ...). */
  roles: string[];
  token: string;
}

/** `auth_service.authentication`. */
export interface AuthenticationConfig {
  /** True when teleport.yaml has an `authentication` section: then it wins over the stored cluster_auth_preference. */
  fromFile: boolean;
  type: AuthType;
  secondFactor: SecondFactor;
  webauthn?: { rpId?: string };
  connectorName?: string;
  /** `true`/`false` or a named mode such as `hardware_key_touch`. */
  requireSessionMfa: boolean | string;
  localAuth: boolean;
  disconnectExpiredCert?: boolean;
  lockingMode: 'best_effort' | 'strict';
  messageOfTheDay?: string;
  defaultSessionTtl?: number;
}

/** The `auth_service:` section (read even when disabled, so mistakes surface early). */
/** `auth_service` keys that set the cluster_networking_config, as written. */
export interface NetworkingFromFile {
  clientIdleTimeout?: number;
  idleTimeoutMessage?: string;
  keepAliveInterval?: number;
  keepAliveCountMax?: number;
  sessionControlTimeout?: number;
  webIdleTimeout?: number;
}

export interface AuthServiceConfig {
  listenAddr: NetAddr;
  publicAddrs: NetAddr[];
  /** Undefined means the nodename, as Teleport does. */
  clusterName?: string;
  tokens: StaticToken[];
  authentication: AuthenticationConfig;
  sessionRecording: SessionRecordingMode;
  proxyChecksHostKeys: boolean;
  disconnectExpiredCert: boolean;
  /** The cluster_networking_config settings written in the file (milliseconds); unwritten ones keep their stored values. */
  networking: NetworkingFromFile;
  messageOfTheDay?: string;
  proxyListenerMode: 'separate' | 'multiplex';
}

/** A dynamic label: `command` run every `period` ms, its output the value of label `name`. */
export interface CommandLabel {
  name: string;
  command: string[];
  period: number;
}

/** The `ssh_service:` section. */
export interface SSHServiceConfig {
  listenAddr: NetAddr;
  publicAddrs: NetAddr[];
  labels: Record<string, string>;
  commands: CommandLabel[];
  permitUserEnv: boolean;
  enhancedRecording: { enabled: boolean; settings: Record<string, unknown> };
  pam: { enabled: boolean; serviceName: string; usePamAuth: boolean; environment: Record<string, string> };
  x11: { enabled: boolean; displayOffset: number; maxDisplay?: number };
  disableCreateHostUser: boolean;
  portForwarding: boolean;
  sshFileCopy: boolean;
}

/** The `proxy_service:` section. */
export interface ProxyServiceConfig {
  webListenAddr: NetAddr;
  /** SSH proxy listener (`listen_addr`, 3023). */
  listenAddr: NetAddr;
  /**
   * The reverse tunnel listener (3024). Unset (config v2/v3 without the key, or the web address
   * itself): agents reach the tunnel server through the web port, as Teleport's TLS routing.
   */
  tunnelListenAddr?: NetAddr;
  /** Separate Kubernetes listener (`kube_listen_addr`, or the legacy `kubernetes:` section). */
  kubeListenAddr?: NetAddr;
  mysqlListenAddr?: NetAddr;
  /** `mysql_server_version`: the MySQL greeting's version when the agents report none (default `8.0.0-Teleport`). */
  mysqlServerVersion?: string;
  /** Separate PostgreSQL listener; without it PostgreSQL is served on the web port. */
  postgresListenAddr?: NetAddr;
  publicAddrs: NetAddr[];
  sshPublicAddrs: NetAddr[];
  tunnelPublicAddrs: NetAddr[];
  kubePublicAddrs: NetAddr[];
  mysqlPublicAddrs: NetAddr[];
  postgresPublicAddrs: NetAddr[];
  /** `https_keypairs` plus the legacy `https_key_file`/`https_cert_file` pair. */
  httpsKeypairs: { keyFile: string; certFile: string }[];
  httpsKeypairsReloadInterval: number;
  /** The legacy `kubernetes:` section; `kubeconfigFile` (the 2019 form) runs the Kubernetes agent in the proxy's process. */
  kubernetes: { enabled: boolean; listenAddr?: NetAddr; publicAddrs: NetAddr[]; kubeconfigFile?: string };
  trustXForwardedFor: boolean;
  acme: { enabled: boolean; email?: string; uri?: string };
  proxyProtocol?: 'on' | 'off';
  /** Serve the web listener without TLS (`teleport start --insecure-no-tls`). */
  disableTls: boolean;
}

/** A service section this release reads but does not run yet: its keys, as written. */
export interface LaterServiceConfig {
  settings: Record<string, unknown>;
}

/** How the database service checks a database's certificate (`tls.mode`). */
export type DatabaseTLSMode = 'verify-full' | 'verify-ca' | 'insecure';

/** One entry of `db_service.databases`. */
export interface DatabaseConfig {
  name: string;
  description: string;
  /** One of section-db.ts's DB_PROTOCOLS. */
  protocol: 'postgres' | 'mysql';
  uri: NetAddr;
  /** `uri` as written (the db resource's spec.uri). */
  uriText: string;
  staticLabels: Record<string, string>;
  tls: { mode: DatabaseTLSMode; caCertFile?: string; serverName?: string; /** A `db` resource's spec.tls.ca_cert, inline. */ caCertPem?: string };
  /** `mysql.server_version`: what the proxy greets MySQL clients with until the agent learns the real one. */
  mysql?: { serverVersion?: string };
  /** `aws.region`: an RDS/Aurora database the agent logs in to with IAM auth tokens. */
  aws?: { region: string };
}

/** `db_service:`: the databases listed; `settings` keeps the later keys as written. */
export interface DatabaseServiceConfig extends LaterServiceConfig {
  databases: DatabaseConfig[];
  /** `resources`: label selectors of the `db` resources (tctl create) this agent serves; values are globs. */
  resources: { labels: Record<string, string[]> }[];
}

/** One entry of `app_service.apps` (section-app.ts). */
export interface AppConfig {
  name: string;
  description: string;
  /** `http://`, `https://` or `tcp://` (a TCP app), as written. */
  uri: string;
  /** Host users reach it at; default `<name>.<proxy public host>`. */
  publicAddr?: string;
  insecureSkipVerify: boolean;
  labels: Record<string, string>;
  /** `rewrite.redirect`: hosts whose redirects are rewritten to the public address; `rewrite.headers` (values may hold trait templates). */
  rewrite: { redirect: string[]; headers: { name: string; value: string }[] };
}

/** `app_service:`: the apps listed and the selectors of `app` resources served besides them. */
export interface AppServiceConfig extends LaterServiceConfig {
  apps: AppConfig[];
  resources: { labels: Record<string, string[]> }[];
}

/** `kubernetes_service:` (section-kube.ts): where the clusters served come from, and their labels. */
export interface KubeServiceConfig {
  /** Every context of this kubeconfig is a cluster, named after the context. */
  kubeconfigFile?: string;
  /** The cluster of the pod's service account (in-cluster credentials). */
  kubeClusterName?: string;
  labels: Record<string, string>;
  /** The mutual-TLS listener proxies dial (a service joined directly to auth). */
  listenAddr?: NetAddr;
  /** Addresses heartbeated instead of the bound one (the first is dialed). */
  publicAddrs: NetAddr[];
}

/** Which services this process runs, resolved from `enabled:` flags, defaults and `--roles`. */
export interface EnabledServices {
  auth: boolean;
  ssh: boolean;
  proxy: boolean;
  db: boolean;
  kube: boolean;
  app: boolean;
  windowsDesktop: boolean;
  discovery: boolean;
}

/** A whole validated teleport.yaml with Teleport's defaults applied. */
export interface TeleportConfig {
  version: ConfigVersion;
  /** The file it came from, when there was one. */
  path?: string;
  /**
   * Where each value was set, by key path (`teleport.data_dir`, `proxy_service.https_keypairs[0].key_file`):
   * `file:line` for the file, the flag's name (`--data-dir`) for a flag. Unlisted keys have their default.
   */
  origins?: Record<string, string>;
  teleport: GlobalConfig;
  auth: AuthServiceConfig;
  ssh: SSHServiceConfig;
  proxy: ProxyServiceConfig;
  db: DatabaseServiceConfig;
  kube: KubeServiceConfig;
  app: AppServiceConfig;
  windowsDesktop: LaterServiceConfig;
  discovery: LaterServiceConfig;
  services: EnabledServices;
  /** Side sections written with `enabled: yes` (none runs in this release: the host check refuses them at start). */
  sideServices: ('metrics_service' | 'tracing_service' | 'debug_service')[];
}
