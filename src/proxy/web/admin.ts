/**
 * Administration endpoints of the web UI, each authorized as the logged-in user by the auth
 * service's RBAC: users (`/webapi/users`, invite and reset links), roles as YAML
 * (`/webapi/roles`) and join tokens (`/webapi/tokens`, `POST /webapi/token`), in Teleport's shapes.
 */
import { parseDuration } from '../../api/duration.js';
import { BadParameterError, TeleportError, isCode } from '../../api/errors.js';
import { parseResources, toYAML, type AnyResource, type Role, type User } from '../../api/types/index.js';
import type {
  CreateJoinTokenRequest,
  CreateUserTokenWebRequest,
  JoinTokenResponse,
  ResourceItem,
  SaveUserRequest,
  WebJoinToken,
  WebUser,
} from '../../api/web-wire.js';
import { parseScriptLabels } from './scripts.js';
import type { WebUserAPI } from './ui-auth.js';
import { locateError } from './yaml.js';

/** A validation error of resource text, with the field and line it points at (for the editor). */
export class ResourceTextError extends BadParameterError {
  constructor(
    message: string,
    readonly field?: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9@._+-]{0,127}$/;

function webUser(u: User, now: number): WebUser {
  const st = u.spec.status;
  const locked = st?.is_locked && (!st.lock_expires || Date.parse(st.lock_expires) > now);
  return {
    name: u.metadata.name,
    roles: u.spec.roles,
    authType: 'local',
    traits: { logins: u.spec.traits?.logins ?? [] },
    ...(locked && { locked: { until: st.lock_expires ?? '', message: st.locked_message ?? 'locked' } }),
  };
}

function stringList(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadParameterError(`${what} must be a list of strings`);
  return (v as string[]).map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses resource text (parseResources, or the same off the event loop for large YAML). */
export type ResourceTextParser = (text: string) => Promise<AnyResource[]>;

/** Users, roles and tokens for one caller. */
export class WebAdmin {
  constructor(
    private readonly api: WebUserAPI,
    private readonly parse: ResourceTextParser = async (text) => parseResources(text),
  ) {}

  async listUsers(): Promise<WebUser[]> {
    const users = (await this.api.listResources('user')) as User[];
    return users.map((u) => webUser(u, Date.now())).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** `POST /webapi/users` (create) and `PUT /webapi/users` (update roles and logins). */
  async saveUser(body: unknown, mode: 'create' | 'update'): Promise<WebUser> {
    const b = (body ?? {}) as Partial<SaveUserRequest>;
    const name = typeof b.name === 'string' ? b.name.trim() : '';
    if (!NAME_RE.test(name)) throw new BadParameterError('user name: use letters, digits and @ . _ + - (up to 128 characters)');
    const roles = stringList(b.roles, 'roles');
    if (roles.length === 0) throw new BadParameterError('a user needs at least one role');
    const logins = stringList(b.traits?.logins, 'logins');
    let doc: User;
    if (mode === 'create') {
      doc = { kind: 'user', version: 'v2', metadata: { name }, spec: { roles, traits: { logins } } } as User;
    } else {
      const cur = (await this.api.getResource('user', name)) as User;
      doc = { ...cur, spec: { ...cur.spec, roles, traits: { ...(cur.spec.traits ?? {}), logins } } };
    }
    const saved = (await this.api.saveResource(doc, mode === 'update')) as User;
    return webUser(saved, Date.now());
  }

  async deleteUser(name: string): Promise<void> {
    if (name === this.api.caller.username) throw new BadParameterError('you cannot delete the user you are logged in as');
    await this.api.deleteResource('user', name);
  }

  /** `POST /webapi/users/password/token`: an invite (new user) or reset link. */
  async createUserToken(body: unknown): Promise<Record<string, unknown>> {
    const b = (body ?? {}) as Partial<CreateUserTokenWebRequest>;
    if (typeof b.name !== 'string' || b.name === '') throw new BadParameterError('missing user name');
    const kind = String(b.type ?? '');
    const type = kind === 'invite' ? 'invite' : kind === 'password' || kind === 'reset' ? 'reset' : undefined;
    if (!type) throw new BadParameterError('type must be "invite" or "password"');
    const ttl = typeof b.ttl === 'number' ? Math.floor(b.ttl / 1e6) : typeof b.ttl === 'string' && b.ttl !== '' ? parseDuration(b.ttl) : undefined;
    const t = await this.api.createUserToken(b.name, { type, ...(ttl !== undefined && { ttl_ms: ttl }) });
    return { tokenId: t.token, user: t.user, expiry: t.expires, url: t.url, type };
  }

  async listRoles(): Promise<ResourceItem[]> {
    const roles = (await this.api.listResources('role')) as Role[];
    return roles.map(roleItem).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** `POST /webapi/roles` and `PUT /webapi/roles/:name` with `{content: <yaml>}`. */
  async saveRole(body: unknown, name?: string): Promise<ResourceItem> {
    const content = (body as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new BadParameterError('the role text is empty');
    let docs;
    try {
      docs = await this.parse(content);
    } catch (err) {
      throw textError(content, err);
    }
    if (docs.length !== 1 || docs[0].kind !== 'role') throw new ResourceTextError('the text must hold exactly one resource of kind: role', 'kind', 1);
    const role = docs[0] as Role;
    if (name !== undefined && role.metadata.name !== name) {
      throw new ResourceTextError(`metadata.name is "${role.metadata.name}", but this editor saves role "${name}": create a new role to rename`, 'metadata.name', locateError(content, `document 1: metadata.name: x`).line);
    }
    try {
      return roleItem((await this.api.saveResource(role, name !== undefined)) as Role);
    } catch (err) {
      throw textError(content, err);
    }
  }

  async deleteRole(name: string): Promise<void> {
    await this.api.deleteResource('role', name);
  }

  async listTokens(): Promise<WebJoinToken[]> {
    return (await this.api.listTokens()).map((t) => ({
      id: t.token,
      safeName: t.static ? maskToken(t.token) : t.token,
      kind: 'token',
      roles: t.roles,
      isStatic: Boolean(t.static),
      expiry: t.expires ?? null,
      method: 'token',
    }));
  }

  /** `POST /webapi/token`: a join token, with the install command for `publicAddr`. */
  async createJoinToken(body: unknown, publicAddr: string): Promise<JoinTokenResponse> {
    const b = (body ?? {}) as Partial<CreateJoinTokenRequest>;
    const roles = stringList(b.roles ?? ['Node'], 'roles');
    if (b.join_method !== undefined && b.join_method !== 'token') throw new BadParameterError(`join method "${String(b.join_method)}" is not supported here: use "token"`);
    const ttlSec = b.ttl_seconds;
    if (ttlSec !== undefined && !(typeof ttlSec === 'number' && ttlSec > 0 && ttlSec <= 24 * 3600)) throw new BadParameterError('ttl_seconds must be between 1 and 86400');
    const labels: Record<string, string> = {};
    for (const l of b.suggested_labels ?? []) if (typeof l?.name === 'string' && l.name !== '') labels[l.name] = String(l.value ?? '');
    const t = await this.api.generateToken({
      roles,
      ...(ttlSec !== undefined && { ttl_ms: ttlSec * 1000 }),
      ...(Object.keys(labels).length > 0 && { labels }),
    });
    return { id: t.token, expiry: t.expires ?? '', roles: t.roles, command: installCommand(publicAddr, t.token, labels) };
  }

  async deleteToken(token: string | undefined): Promise<void> {
    if (!token) throw new BadParameterError('missing the X-Teleport-TokenName header');
    await this.api.deleteToken(token);
  }
}

/** The one line that installs and joins a server (run as root on it), with the node's labels. */
export function installCommand(publicAddr: string, token: string, labels: Record<string, string> = {}): string {
  const list = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  for (const l of list) parseScriptLabels(l);
  const q = list.length > 0 ? `?labels=${encodeURIComponent(list.join(','))}` : '';
  return `sudo bash -c "$(curl -fsSL 'https://${publicAddr}/scripts/${token}/install-node.sh${q}')"`;
}

function roleItem(r: Role): ResourceItem {
  return { id: `role:${r.metadata.name}`, kind: 'role', name: r.metadata.name, content: toYAML([r]) };
}

/** Static tokens are secrets in teleport.yaml: show only their last quarter. */
function maskToken(t: string): string {
  const keep = Math.floor(t.length / 4);
  return '*'.repeat(t.length - keep) + t.slice(t.length - keep);
}

function textError(content: string, err: unknown): unknown {
  if (!(err instanceof TeleportError) || !isCode(err, 'bad_parameter')) return err;
  const where = locateError(content, err.message);
  return new ResourceTextError(err.message, where.field, where.line, { cause: err });
}
