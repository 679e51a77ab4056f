/** Teleport's default ports, paths and limits, as `lib/defaults` defines them. */
import { SECOND } from '../api/duration.js';

/** Default `teleport.data_dir`. */
export const DEFAULT_DATA_DIR = '/var/lib/teleport';
/** Default config file path for `teleport start`. */
export const DEFAULT_CONFIG_PATH = '/etc/teleport.yaml';
/** Bind-all host used in default listen addresses. */
export const BIND_IP = '0.0.0.0';

/** Default ports per listener. */
export const PORTS = {
  auth: 3025,
  ssh: 3022,
  proxySsh: 3023,
  proxyTunnel: 3024,
  proxyWeb: 3080,
  proxyKube: 3026,
  proxyMysql: 3036,
  proxyPostgres: 5432,
  proxyMongo: 27017,
  https: 443,
} as const;

/** Default `connection_limits.max_connections`. */
export const MAX_CONNECTIONS = 15000;
/** Default `connection_limits.max_users`. */
export const MAX_USERS = 250;
/** `cache.max_backoff` default (`defaults.MaxWatcherBackoff`). */
export const CACHE_MAX_BACKOFF = 90 * SECOND;
/** PAM service name used when `pam.service_name` is not set. */
export const PAM_SERVICE_NAME = 'sshd';
/** First X11 display number the node tries. */
export const X11_DISPLAY_OFFSET = 10;

/** Storage types a later release will run; named so the error can say so. */
export const LATER_STORAGE_TYPES = ['firestore'] as const;

/** Join methods Teleport defines (`types.JoinMethod`). */
export const JOIN_METHODS = [
  'token',
  'ec2',
  'iam',
  'github',
  'circleci',
  'kubernetes',
  'azure',
  'azure_devops',
  'gcp',
  'gitlab',
  'spacelift',
  'tpm',
  'terraform_cloud',
  'bitbucket',
  'oracle',
  'bound_keypair',
  'env0',
] as const;

/** Canonical Teleport system role names; token and flag parsing is case-insensitive. */
export const SYSTEM_ROLES = [
  'Auth',
  'Node',
  'Proxy',
  'Admin',
  'Kube',
  'App',
  'Db',
  'WindowsDesktop',
  'Bot',
  'Discovery',
  'Instance',
  'Trusted_cluster',
  'RemoteProxy',
  'Okta',
  'MDM',
] as const;
