/**
 * A user's roles evaluated together (Teleport's RoleSet): deny always wins; access is granted when one
 * role's allow section satisfies every condition; options combine per option as documented per method.
 */
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { DEFAULT_NAMESPACE, WILDCARD, roleClientIdleTimeoutMs, roleMaxSessionTTLms } from '../api/types/index.js';
import { IMPLICIT_ROLE_NAME, implicitRole } from './implicit-role.js';
import { matchLabels } from './label-match.js';
import type { RuleContext } from './rules.js';
import { rulesMatch } from './rules.js';

function matchNamespace(selectors: readonly string[] | undefined, namespace: string): boolean {
  const list = selectors ?? [DEFAULT_NAMESPACE];
  return list.includes(WILDCARD) || list.includes(namespace);
}

/** A set of (already trait-applied) roles plus the implicit default role. */
export class RoleSet {
  private readonly roles: readonly Role[];

  /** `roles` must already have traits applied (applyRoleTraits). The implicit role is added. */
  constructor(roles: readonly Role[]) {
    this.roles = [...roles.filter((r) => r.metadata.name !== IMPLICIT_ROLE_NAME), implicitRole()];
  }

  /** Names of the user's roles, in order, without the implicit role. */
  roleNames(): string[] {
    return this.roles.map((r) => r.metadata.name).filter((n) => n !== IMPLICIT_ROLE_NAME);
  }

  /** The roles, implicit role included (read-only). */
  all(): readonly Role[] {
    return this.roles;
  }

  /**
   * Throw AccessDeniedError unless some role allows `verb` on `kind` and no role denies it. Deny rules are
   * checked first; rule `where` clauses are evaluated against `ctx` (user, resource, session).
   */
  checkAccessToRule(ctx: RuleContext, kind: string, verb: string, namespace = DEFAULT_NAMESPACE): void {
    for (const role of this.roles) {
      if (!matchNamespace(role.spec.deny.namespaces, namespace)) continue;
      if (rulesMatch(role.spec.deny.rules, kind, verb, ctx, 'deny')) {
        throw new AccessDeniedError(`access denied to perform action "${verb}" on "${kind}"`);
      }
    }
    for (const role of this.roles) {
      if (!matchNamespace(role.spec.allow.namespaces, namespace)) continue;
      if (rulesMatch(role.spec.allow.rules, kind, verb, ctx, 'allow')) return;
    }
    throw new AccessDeniedError(`access denied to perform action "${verb}" on "${kind}"`);
  }

  /** Boolean form of checkAccessToRule. */
  hasAccessToRule(ctx: RuleContext, kind: string, verb: string, namespace = DEFAULT_NAMESPACE): boolean {
    try {
      this.checkAccessToRule(ctx, kind, verb, namespace);
      return true;
    } catch (err) {
      if (err instanceof AccessDeniedError) return false;
      throw err;
    }
  }

  /** Allowed SSH logins: the union of every role's allow logins minus any denied one (`*` denies all). */
  logins(): string[] {
    const denied = new Set(this.roles.flatMap((r) => r.spec.deny.logins ?? []));
    if (denied.has(WILDCARD)) return [];
    const out: string[] = [];
    for (const r of this.roles) {
      for (const l of r.spec.allow.logins ?? []) if (!denied.has(l) && !out.includes(l)) out.push(l);
    }
    return out;
  }

  /**
   * Throw AccessDeniedError unless one role allows the node's namespace AND labels AND `login` together,
   * and no role denies it (deny matches on namespace plus either labels or the login).
   */
  checkAccessToNode(node: { labels: Readonly<Record<string, string>>; namespace?: string }, login: string): void {
    const ns = node.namespace ?? DEFAULT_NAMESPACE;
    for (const role of this.roles) {
      const deny = role.spec.deny;
      if (!matchNamespace(deny.namespaces, ns)) continue;
      if (matchLabels(deny.node_labels, node.labels).matched) {
        throw new AccessDeniedError('access to node denied');
      }
      const logins = deny.logins ?? [];
      if (logins.includes(login) || logins.includes(WILDCARD)) {
        throw new AccessDeniedError(`access to node denied: login "${login}" is denied`);
      }
    }
    for (const role of this.roles) {
      const allow = role.spec.allow;
      if (!matchNamespace(allow.namespaces, ns)) continue;
      if (!matchLabels(allow.node_labels, node.labels).matched) continue;
      if ((allow.logins ?? []).includes(login)) return;
    }
    throw new AccessDeniedError(`access to node denied: no role allows login "${login}" on this node`);
  }

  /** Boolean form of checkAccessToNode. */
  canAccessNode(node: { labels: Readonly<Record<string, string>>; namespace?: string }, login: string): boolean {
    try {
      this.checkAccessToNode(node, login);
      return true;
    } catch (err) {
      if (err instanceof AccessDeniedError) return false;
      throw err;
    }
  }

  /**
   * Whether the node is visible at all (listings): some role's node_labels match it and no role's
   * deny node_labels do. Logins are not considered, as in Teleport's resource listing.
   */
  canSeeNode(node: { labels: Readonly<Record<string, string>>; namespace?: string }): boolean {
    const ns = node.namespace ?? DEFAULT_NAMESPACE;
    for (const role of this.roles) {
      if (matchNamespace(role.spec.deny.namespaces, ns) && matchLabels(role.spec.deny.node_labels, node.labels).matched) return false;
    }
    return this.roles.some((r) => matchNamespace(r.spec.allow.namespaces, ns) && matchLabels(r.spec.allow.node_labels, node.labels).matched);
  }

  /** Certificate TTL: the minimum of `requestedMs` and every role's non-zero max_session_ttl. */
  adjustSessionTTL(requestedMs: number): number {
    let ttl = requestedMs;
    for (const r of this.roles) {
      const max = roleMaxSessionTTLms(r);
      if (max > 0 && max < ttl) ttl = max;
    }
    return ttl;
  }

  /** Agent forwarding: allowed when any role sets forward_agent: true. */
  canForwardAgents(): boolean {
    return this.roles.some((r) => r.spec.options.forward_agent === true);
  }

  /**
   * Port forwarding: allowed when any role allows it. A role allows it unless `port_forwarding: false`
   * (unset means true, Teleport's BoolDefaultTrue); with only `ssh_port_forwarding`, when local or remote
   * is enabled (each defaulting to true).
   */
  canPortForward(): boolean {
    return this.roles.some((r) => {
      const o = r.spec.options;
      if (o.port_forwarding !== undefined) return o.port_forwarding;
      const spf = o.ssh_port_forwarding;
      if (!spf) return true;
      return (spf.local?.enabled ?? true) || (spf.remote?.enabled ?? true);
    });
  }

  /** X11 forwarding: allowed when any role sets permit_x11_forwarding: true. */
  permitX11Forwarding(): boolean {
    return this.roles.some((r) => r.spec.options.permit_x11_forwarding === true);
  }

  /** scp/sftp: strictest wins, denied when any role sets ssh_file_copy: false. */
  canCopyFiles(): boolean {
    return this.roles.every((r) => r.spec.options.ssh_file_copy !== false);
  }

  /**
   * Certificate format: the most permissive among roles that set one (`oldssh` over `standard`, since
   * it works with older clients); `standard` when none does.
   */
  certificateFormat(): string {
    const formats = this.roles.map((r) => r.spec.options.cert_format).filter((f): f is string => Boolean(f));
    if (formats.includes('oldssh')) return 'oldssh';
    return 'standard';
  }

  /** Disconnect on certificate expiry: strictest wins, true when any role (or the cluster default) says so. */
  disconnectExpiredCert(clusterDefault = false): boolean {
    return clusterDefault || this.roles.some((r) => r.spec.options.disconnect_expired_cert === true);
  }

  /** Idle timeout: the smallest non-zero of the roles' client_idle_timeout and the cluster default; 0 = none. */
  clientIdleTimeoutMs(clusterDefaultMs = 0): number {
    let t = clusterDefaultMs;
    for (const r of this.roles) {
      const v = roleClientIdleTimeoutMs(r);
      if (v > 0 && (t === 0 || v < t)) t = v;
    }
    return t;
  }

  /** Sessions per connection: the smallest non-zero max_sessions among roles; 0 = unlimited. */
  maxSessions(): number {
    return minNonZero(this.roles.map((r) => r.spec.options.max_sessions ?? 0));
  }

  /** Concurrent connections: the smallest non-zero max_connections among roles; 0 = unlimited. */
  maxConnections(): number {
    return minNonZero(this.roles.map((r) => r.spec.options.max_connections ?? 0));
  }

  /** Session recording mode for SSH: `strict` when any role asks for it, else `best_effort`. */
  recordSessionMode(): 'strict' | 'best_effort' {
    const strict = this.roles.some((r) => (r.spec.options.record_session?.ssh ?? r.spec.options.record_session?.default) === 'strict');
    return strict ? 'strict' : 'best_effort';
  }

  /** Locking mode: `strict` when any role sets lock: strict, else the cluster default. */
  lockingMode(clusterDefault: 'strict' | 'best_effort' = 'best_effort'): 'strict' | 'best_effort' {
    return this.roles.some((r) => r.spec.options.lock === 'strict') ? 'strict' : clusterDefault;
  }
}

function minNonZero(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (v > 0 && (m === 0 || v < m)) m = v;
  return m;
}
