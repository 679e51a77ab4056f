/**
 * The generic resource API behind `tctl get/create/rm/edit`: one handler per kind says how to list,
 * read, write and delete it, and every call is authorized the same way (rule verbs on the kind).
 */
import { AccessDeniedError, BadParameterError, NotFoundError, isCode } from '../api/errors.js';
import type { AnyResource, App, CertAuthority, Database, Node, Role, SAMLConnector, User } from '../api/types/index.js';
import { withSigningKeyPair } from './sso/saml-keys.js';
import { NETWORKING_CONFIG_NAME, nodeLabels, resolveKind, validateDocument, validateNetworkingConfig } from '../api/types/index.js';
import type { Services } from '../services/index.js';
import type { AuthAudit } from './audit.js';
import { CA_TYPES, withoutSecrets } from './authorities.js';
import type { Caller } from './caller.js';
import { authorize } from './caller.js';

/** Options of a read. */
export interface ReadOptions {
  withSecrets?: boolean;
}

interface KindHandler {
  list(opts: ReadOptions): Promise<AnyResource[]>;
  get(name: string, opts: ReadOptions): Promise<AnyResource>;
  create(r: AnyResource): Promise<AnyResource>;
  upsert(r: AnyResource): Promise<AnyResource>;
  delete(name: string): Promise<void>;
  /** The verb a read needs (cert authorities: read_no_secrets unless secrets are asked for). */
  readVerb?(opts: ReadOptions): string;
}

/** Generic CRUD over every kind, with authorization. Throws the errors of the stores and AccessDeniedError. */
export class ResourceAPI {
  private readonly handlers: Record<string, KindHandler>;

  constructor(
    private readonly services: Services,
    private readonly clusterName: string,
    /** Records role/user/token/connector changes (role.created, user.update, join_token.create, ...). */
    private readonly audit?: AuthAudit,
  ) {
    this.handlers = this.buildHandlers();
  }

  async list(caller: Caller, kind: string, opts: ReadOptions = {}): Promise<AnyResource[]> {
    const { k, h } = this.handler(kind);
    authorize(caller, k, 'list');
    authorize(caller, k, h.readVerb?.(opts) ?? 'read');
    const items = await h.list(opts);
    // Users see only the nodes their roles reach, as in every other listing.
    if (k === 'node' && !caller.systemRole) return items.filter((n) => caller.checker.canSeeNode({ labels: nodeLabels(n as Node) }));
    return items;
  }

  async get(caller: Caller, kind: string, name: string, opts: ReadOptions = {}): Promise<AnyResource> {
    const { k, h } = this.handler(kind);
    // A user may read the roles they hold, as in Teleport (tsh db ls shows the db_users they allow).
    const ownRole = k === 'role' && !caller.systemRole && caller.roles.includes(name);
    if (!ownRole) authorize(caller, k, h.readVerb?.(opts) ?? 'read');
    return h.get(name, opts);
  }

  /** Creates; with `force`, overwrites an existing resource (needs `update` too). */
  async create(caller: Caller, input: unknown, force: boolean): Promise<AnyResource> {
    const r = validateDocument(input);
    const { k, h } = this.handler(r.kind);
    authorize(caller, k, 'create', r);
    const name = r.metadata.name;
    if (force) {
      authorize(caller, k, 'update', r);
      const existed = AUDITED_UPDATES.has(k) && (await h.get(name, {}).then(() => true, (err: unknown) => (isCode(err, 'not_found') ? false : Promise.reject(err))));
      const out = await h.upsert(r);
      this.audit?.resourceChanged(caller, existed ? 'updated' : 'created', k, name, out);
      return out;
    }
    const out = await h.create(r);
    this.audit?.resourceChanged(caller, 'created', k, name, out);
    return out;
  }

  async delete(caller: Caller, kind: string, name: string): Promise<void> {
    const { k, h } = this.handler(kind);
    authorize(caller, k, 'delete', { kind: k, metadata: { name } });
    await h.delete(name);
    this.audit?.resourceChanged(caller, 'deleted', k, name);
  }

  private handler(kind: string): { k: string; h: KindHandler } {
    const k = resolveKind(kind).kind;
    const h = this.handlers[k];
    if (!h) throw new BadParameterError(`resource kind "${kind}" cannot be managed through this API`);
    return { k, h };
  }

  private buildHandlers(): Record<string, KindHandler> {
    const s = this.services;
    const plain = <T extends AnyResource>(store: {
      list(): Promise<T[]>;
      get(n: string): Promise<T>;
      create(r: T): Promise<T>;
      upsert(r: T): Promise<T>;
      delete(n: string): Promise<void>;
    }): KindHandler => ({
      list: () => store.list(),
      get: (n) => store.get(n),
      create: (r) => store.create(r as T),
      upsert: (r) => store.upsert(r as T),
      delete: (n) => store.delete(n),
    });
    return {
      role: {
        ...plain(s.roles),
        create: (r) => s.roles.create(r as Role),
        delete: async (name) => {
          await s.roles.get(name);
          const users = (await s.users.list()).filter((u) => u.spec.roles.includes(name));
          if (users.length > 0) {
            throw new BadParameterError(
              `role "${name}" is still assigned to user(s) ${users.map((u) => u.metadata.name).join(', ')}; remove it from them first`,
            );
          }
          await s.roles.delete(name);
        },
      },
      user: {
        ...plain(s.users),
        create: async (r) => {
          await this.checkRolesExist((r as User).spec.roles);
          return s.users.create(r as User);
        },
        upsert: async (r) => {
          await this.checkRolesExist((r as User).spec.roles);
          return s.users.upsert(r as User);
        },
        delete: async (name) => {
          await s.users.delete(name);
          await s.passwords.delete(name);
          for (const t of await s.userTokens.list()) {
            if (t.spec.user === name) await s.userTokens.delete(t.metadata.name).catch(ignoreNotFound);
          }
        },
      },
      token: plain(s.tokens),
      // Connectors hide their secrets unless asked for (`tctl get github --with-secrets`), as Teleport's.
      github: withoutConnectorSecrets(plain(s.github)),
      oidc: withoutConnectorSecrets(plain(s.oidc)),
      saml: withoutConnectorSecrets({
        ...plain(s.saml),
        create: async (r) => s.saml.create(await withSigningKeyPair(r as SAMLConnector)),
        upsert: async (r) => s.saml.upsert(await withSigningKeyPair(r as SAMLConnector)),
      }),
      node: plain(s.nodes),
      db: {
        ...plain(s.databases),
        // Teleport marks databases created through the API as dynamic.
        create: (r) => s.databases.create(withOrigin(r as Database)),
        upsert: (r) => s.databases.upsert(withOrigin(r as Database)),
      },
      app: {
        ...plain(s.apps),
        // Apps created through the API are dynamic, as databases.
        create: (r) => s.apps.create(withOrigin(r as App)),
        upsert: (r) => s.apps.upsert(withOrigin(r as App)),
      },
      cert_authority: {
        readVerb: (o) => (o.withSecrets ? 'read' : 'read_no_secrets'),
        list: async (o) => {
          const all: CertAuthority[] = [];
          for (const t of CA_TYPES) all.push(...(await s.authorities(t).list()));
          return o.withSecrets ? all : all.map(withoutSecrets);
        },
        get: async (ref, o) => {
          const [type, cluster = this.clusterName] = ref.split('/');
          if (!(CA_TYPES as readonly string[]).includes(type)) {
            throw new BadParameterError(`unknown certificate authority type "${type}": expected one of ${CA_TYPES.join(', ')}`);
          }
          const ca = await s.authorities(type).get(cluster);
          return o.withSecrets ? ca : withoutSecrets(ca);
        },
        create: (r) => s.authorities((r as CertAuthority).spec.type).create(r as CertAuthority),
        upsert: (r) => s.authorities((r as CertAuthority).spec.type).upsert(r as CertAuthority),
        delete: async (ref) => {
          const [type, cluster = this.clusterName] = ref.split('/');
          if (cluster === this.clusterName) {
            throw new AccessDeniedError("the local cluster's certificate authorities cannot be deleted; rotate them with \"tctl auth rotate\"");
          }
          await s.authorities(type).delete(cluster);
        },
      },
      cluster_name: {
        list: async () => [await s.clusterName.get('cluster-name')],
        get: () => s.clusterName.get('cluster-name'),
        create: () => Promise.reject(new BadParameterError('the cluster name is chosen at the first start and cannot be changed')),
        upsert: () => Promise.reject(new BadParameterError('the cluster name is chosen at the first start and cannot be changed')),
        delete: () => Promise.reject(new BadParameterError('the cluster name cannot be deleted')),
      },
      cluster_auth_preference: {
        list: async () => [await s.authPreference.get('cluster-auth-preference')],
        get: () => s.authPreference.get('cluster-auth-preference'),
        // A singleton: creating it replaces the current settings.
        create: (r) => s.authPreference.upsert(r as never),
        upsert: (r) => s.authPreference.upsert(r as never),
        delete: async () => {
          const defaults = resolveKind('cluster_auth_preference').validate({
            kind: 'cluster_auth_preference',
            version: 'v2',
            metadata: { name: 'cluster-auth-preference' },
            spec: {},
          });
          await s.authPreference.upsert(defaults as never);
        },
      },
      cluster_networking_config: {
        list: async () => [await s.networkingConfig.get(NETWORKING_CONFIG_NAME)],
        get: () => s.networkingConfig.get(NETWORKING_CONFIG_NAME),
        // A singleton: creating it replaces the current settings; deleting it restores the defaults.
        create: (r) => s.networkingConfig.upsert(r as never),
        upsert: (r) => s.networkingConfig.upsert(r as never),
        delete: async () => {
          await s.networkingConfig.upsert(validateNetworkingConfig({ kind: 'cluster_networking_config', version: 'v2', spec: {} }) as never);
        },
      },
    };
  }

  private async checkRolesExist(roles: string[]): Promise<void> {
    for (const r of roles) {
      try {
        await this.services.roles.get(r);
      } catch (err) {
        if (isCode(err, 'not_found')) throw new NotFoundError(`role "${r}" is not found`, { cause: err });
        throw err;
      }
    }
  }
}

/** Kinds whose overwrite is recorded as an update rather than a creation when they existed. */
const AUDITED_UPDATES = new Set(['role', 'user', 'github', 'oidc', 'saml']);

function withOrigin<T extends Database | App>(r: T): T {
  return { ...r, metadata: { ...r.metadata, labels: { ...r.metadata.labels, 'teleport.dev/origin': 'dynamic' } } };
}

/** A connector handler whose reads leave out `client_secret` and the SAML signing key unless secrets are asked for. */
function withoutConnectorSecrets(h: KindHandler): KindHandler {
  const strip = (r: AnyResource, o: ReadOptions): AnyResource => {
    if (o.withSecrets) return r;
    const spec = { ...(r.spec as Record<string, unknown>) };
    if ('client_secret' in spec) spec.client_secret = '';
    const kp = spec.signing_key_pair as { cert?: string } | undefined;
    if (kp) spec.signing_key_pair = { private_key: '', cert: kp.cert ?? '' };
    return { ...r, spec } as AnyResource;
  };
  return { ...h, list: async (o) => (await h.list(o)).map((r) => strip(r, o)), get: async (n, o) => strip(await h.get(n, o), o) };
}

function ignoreNotFound(err: unknown): void {
  if (!isCode(err, 'not_found')) throw err;
}
