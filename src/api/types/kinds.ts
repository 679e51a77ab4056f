/**
 * The one registry of resource kinds: canonical name, versions, the aliases `tctl` accepts, singleton-ness,
 * and the validator. `parseKindRef` turns `role/access` or `cap` into a typed reference.
 */
import { BadParameterError } from '../errors.js';
import type { CertAuthority } from './cert-authority.js';
import { CA_VERSIONS, validateCertAuthority } from './cert-authority.js';
import type { AuthPreference, ClusterName } from './cluster-config.js';
import { AUTH_PREFERENCE_NAME, CLUSTER_NAME_NAME, validateAuthPreference, validateClusterName } from './cluster-config.js';
import type { NetworkingConfig } from './networking-config.js';
import { NETWORKING_CONFIG_NAME, validateNetworkingConfig } from './networking-config.js';
import type { App } from './app.js';
import { validateApp } from './app.js';
import type { Database } from './database.js';
import { validateDatabase } from './database.js';
import type { GithubConnector } from './github.js';
import { validateGithubConnector } from './github.js';
import type { OIDCConnector } from './oidc.js';
import { validateOIDCConnector } from './oidc.js';
import type { SAMLConnector } from './saml.js';
import { validateSAMLConnector } from './saml.js';
import type { Node } from './node.js';
import { validateNode } from './node.js';
import { validateRole } from './role.js';
import type { Role } from './role-schema.js';
import { ROLE_VERSIONS } from './role-schema.js';
import type { ProvisionToken } from './token.js';
import { TOKEN_VERSIONS, validateToken } from './token.js';
import type { User } from './user.js';
import { USER_VERSIONS, validateUser } from './user.js';

/** Any resource this registry knows. */
export type AnyResource = Role | User | ProvisionToken | CertAuthority | ClusterName | AuthPreference | NetworkingConfig | GithubConnector | OIDCConnector | SAMLConnector | Node | Database | App;

/** Canonical kind names. */
export type Kind = AnyResource['kind'];

/** One registry entry. */
export interface KindInfo {
  kind: Kind;
  versions: readonly string[];
  aliases: readonly string[];
  singleton: boolean;
  /** The fixed metadata.name of a singleton. */
  singletonName?: string;
  /** Validate a document of this kind and apply its defaults; throws BadParameterError. */
  validate: (input: unknown) => AnyResource;
}

/** Every kind we store and serve, in the order `tctl get all` would list them. */
export const KINDS: readonly KindInfo[] = [
  { kind: 'cluster_name', versions: ['v2'], aliases: ['cluster_name'], singleton: true, singletonName: CLUSTER_NAME_NAME, validate: validateClusterName },
  {
    kind: 'cluster_auth_preference',
    versions: ['v2'],
    aliases: ['cluster_auth_preference', 'cap'],
    singleton: true,
    singletonName: AUTH_PREFERENCE_NAME,
    validate: validateAuthPreference,
  },
  {
    kind: 'cluster_networking_config',
    versions: ['v2'],
    aliases: ['cluster_networking_config', 'networking_config'],
    singleton: true,
    singletonName: NETWORKING_CONFIG_NAME,
    validate: validateNetworkingConfig,
  },
  { kind: 'cert_authority', versions: CA_VERSIONS, aliases: ['cert_authority', 'cert_authorities', 'cas', 'ca'], singleton: false, validate: validateCertAuthority },
  { kind: 'role', versions: ROLE_VERSIONS, aliases: ['role', 'roles'], singleton: false, validate: validateRole },
  { kind: 'user', versions: USER_VERSIONS, aliases: ['user', 'users'], singleton: false, validate: validateUser },
  { kind: 'token', versions: TOKEN_VERSIONS, aliases: ['token', 'tokens'], singleton: false, validate: validateToken },
  { kind: 'github', versions: ['v3'], aliases: ['github', 'connectors'], singleton: false, validate: validateGithubConnector },
  { kind: 'oidc', versions: ['v3', 'v2'], aliases: ['oidc'], singleton: false, validate: validateOIDCConnector },
  { kind: 'saml', versions: ['v2'], aliases: ['saml'], singleton: false, validate: validateSAMLConnector },
  { kind: 'node', versions: ['v2'], aliases: ['node', 'nodes'], singleton: false, validate: validateNode },
  { kind: 'db', versions: ['v3'], aliases: ['db', 'dbs', 'database', 'databases'], singleton: false, validate: validateDatabase },
  { kind: 'app', versions: ['v3'], aliases: ['app', 'apps', 'application', 'applications'], singleton: false, validate: validateApp },
];

const BY_NAME = new Map<string, KindInfo>();
for (const k of KINDS) for (const a of k.aliases) BY_NAME.set(a, k);

/** Registry entry for a canonical kind name (aliases not accepted); undefined when unknown. */
export function kindInfo(kind: string): KindInfo | undefined {
  const info = BY_NAME.get(kind);
  return info && info.kind === kind ? info : undefined;
}

/** Resolve a kind name or alias (case-insensitive); throws BadParameterError listing supported kinds. */
export function resolveKind(nameOrAlias: string): KindInfo {
  const info = BY_NAME.get(nameOrAlias.trim().toLowerCase());
  if (!info) {
    throw new BadParameterError(
      `unsupported resource kind "${nameOrAlias}" (supported: ${KINDS.map((k) => k.kind).join(', ')})`,
    );
  }
  return info;
}

/** A `kind[/name]` reference as tctl takes it. */
export interface KindRef {
  kind: Kind;
  name?: string;
}

/**
 * Parse `role/access`, `roles`, `cap`, `cert_authority/host/example.com` into `{kind, name?}`.
 * Everything after the first `/` is the name. Throws BadParameterError for an unknown kind or empty parts.
 */
export function parseKindRef(ref: string): KindRef {
  const slash = ref.indexOf('/');
  const kindPart = slash < 0 ? ref : ref.slice(0, slash);
  if (kindPart.trim() === '') throw new BadParameterError(`invalid resource reference "${ref}": expected <kind>[/<name>]`);
  const info = resolveKind(kindPart);
  if (slash < 0) return { kind: info.kind };
  const name = ref.slice(slash + 1);
  if (name === '') throw new BadParameterError(`invalid resource reference "${ref}": the name after "/" is empty`);
  return { kind: info.kind, name };
}
