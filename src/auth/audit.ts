/**
 * The auth server's audit events, built in one place with Teleport's fields: logins, certificates,
 * join tokens and joins, invite/reset links, password and MFA changes, and resource changes. Every
 * method records and returns at once; a failing audit sink is logged by the AuditLog, never thrown
 * at the action being recorded.
 */
import type { AuditEventInput } from '../api/audit-wire.js';
import { formatDuration } from '../api/duration.js';
import type { AnyResource } from '../api/types/index.js';
import { auditEvent, maskSecret, type AuditEmitter } from '../events/index.js';
import type { Caller } from './caller.js';

/** Where a request came from, when known. */
export interface RequestMeta {
  /** `ip:port` of the client. */
  remoteAddr?: string;
}

/** What a user certificate said, for `cert.create`. */
export interface IssuedIdentity {
  user: string;
  roles: string[];
  logins: string[];
  traits: Record<string, string[]>;
  expires: Date;
  routeToCluster: string;
}

/** Resource kinds whose changes are audited, with Teleport's event per action. */
const RESOURCE_EVENTS = {
  role: {
    created: () => auditEvent('role.created', 'T9000I'),
    updated: () => auditEvent('role.updated', 'T9002I'),
    deleted: () => auditEvent('role.deleted', 'T9001I'),
  },
  user: {
    created: () => auditEvent('user.create', 'T1002I'),
    updated: () => auditEvent('user.update', 'T1003I'),
    deleted: () => auditEvent('user.delete', 'T1004I'),
  },
  github: {
    created: () => auditEvent('github.created', 'T8000I'),
    updated: () => auditEvent('github.updated', 'T80002I'),
    deleted: () => auditEvent('github.deleted', 'T8001I'),
  },
  oidc: {
    created: () => auditEvent('oidc.created', 'T8100I'),
    updated: () => auditEvent('oidc.updated', 'T8102I'),
    deleted: () => auditEvent('oidc.deleted', 'T8101I'),
  },
  saml: {
    created: () => auditEvent('saml.created', 'T8200I'),
    updated: () => auditEvent('saml.updated', 'T8202I'),
    deleted: () => auditEvent('saml.deleted', 'T8201I'),
  },
  cluster_auth_preference: {
    created: () => auditEvent('auth_preference.update', 'TCAUTH001I'),
    updated: () => auditEvent('auth_preference.update', 'TCAUTH001I'),
    deleted: () => auditEvent('auth_preference.update', 'TCAUTH001I'),
  },
  cluster_networking_config: {
    created: () => auditEvent('cluster_networking_config.update', 'TCNET002I'),
    updated: () => auditEvent('cluster_networking_config.update', 'TCNET002I'),
    deleted: () => auditEvent('cluster_networking_config.update', 'TCNET002I'),
  },
} as const;

/** What happened to a resource. */
export type ResourceAction = 'created' | 'updated' | 'deleted';

/** Records the auth server's events, stamped with the cluster name. */
export class AuthAudit {
  constructor(
    private readonly emitter: AuditEmitter,
    private readonly clusterName: string,
  ) {}

  /** Any event, with cluster_name set. Never throws. */
  emit(event: AuditEventInput): void {
    void this.emitter.emit({ ...event, cluster_name: this.clusterName });
  }

  /** `user.login` with method `local`: T1000I, or T1000W with the error (bad credentials, lockouts). */
  localLogin(user: string, meta: RequestMeta, error?: unknown): void {
    const fields = { user, method: 'local', ...addr(meta) };
    if (error === undefined) this.emit(auditEvent('user.login', 'T1000I', { ...fields, success: true }));
    else this.emit(auditEvent('user.login', 'T1000W', { ...fields, success: false, error: messageOf(error) }));
  }

  /** `cert.create` for user certificates; `issuer` is who asked (the user at login, an admin for `tctl auth sign`). */
  userCertIssued(issuer: string, id: IssuedIdentity, meta: RequestMeta = {}): void {
    this.emit(
      auditEvent('cert.create', 'TC000I', {
        user: issuer,
        cert_type: 'user',
        identity: {
          user: id.user,
          roles: id.roles,
          logins: id.logins,
          traits: id.traits,
          expires: id.expires.toISOString(),
          route_to_cluster: id.routeToCluster,
          teleport_cluster: this.clusterName,
        },
        ...addr(meta),
      }),
    );
  }

  /** `join_token.create`; a secret token is masked (the name of an ec2/iam/kubernetes token is no secret). */
  joinTokenCreated(caller: Caller, token: string, roles: string[], expires?: string, method = 'token'): void {
    this.emit(
      auditEvent('join_token.create', 'TJT00I', {
        user: caller.username,
        name: method === 'token' ? maskSecret(token) : token,
        roles,
        join_method: method,
        ...(expires && { expires }),
      }),
    );
  }

  /** `instance.join`: a host used a token (TJ002I), or was refused (TJ002E with the error). */
  instanceJoin(p: { hostId: string; nodeName: string; role: string; token: string; method?: string }, meta: RequestMeta, error?: unknown, attributes?: Record<string, unknown>): void {
    const method = p.method ?? 'token';
    const fields = {
      host_id: p.hostId,
      node_name: p.nodeName,
      role: p.role,
      method,
      // The name of a secretless method's token is no secret (the host proves itself otherwise).
      token_name: method === 'token' ? maskSecret(p.token) : p.token,
      ...(attributes && { attributes }),
      ...addr(meta),
    };
    if (error === undefined) this.emit(auditEvent('instance.join', 'TJ002I', { ...fields, success: true }));
    else this.emit(auditEvent('instance.join', 'TJ002E', { ...fields, success: false, error: messageOf(error) }));
  }

  /** `reset_password_token.create` for invite and reset links (Teleport records both so). */
  userTokenCreated(caller: Caller, forUser: string, ttlMs: number, expires: string): void {
    this.emit(
      auditEvent('reset_password_token.create', 'T6000I', { user: caller.username, name: forUser, ttl: formatDuration(ttlMs), expires }),
    );
  }

  /** A link was completed: `user.password_change`, and `mfa.add` when a TOTP device was registered. */
  passwordSet(user: string, device?: { id: string; name: string }): void {
    this.emit(auditEvent('user.password_change', 'T1005I', { user }));
    if (device) {
      this.emit(auditEvent('mfa.add', 'T1006I', { user, mfa_device_name: device.name, mfa_device_uuid: device.id, mfa_device_type: 'TOTP' }));
    }
  }

  /** `role.created`, `user.update`, ... for kinds that are audited; nothing for the others. */
  resourceChanged(caller: Caller, action: ResourceAction, kind: string, name: string, resource?: AnyResource): void {
    if (kind === 'token') {
      const spec = (resource as { spec?: { roles?: string[]; join_method?: string } } | undefined)?.spec;
      if (action !== 'deleted') this.joinTokenCreated(caller, name, spec?.roles ?? [], resource?.metadata.expires, spec?.join_method || 'token');
      return;
    }
    const events = RESOURCE_EVENTS[kind as keyof typeof RESOURCE_EVENTS];
    if (!events) return;
    const meta = resource?.metadata as { expires?: string } | undefined;
    const extra =
      kind === 'user' && resource && action !== 'deleted'
        ? { roles: (resource as { spec?: { roles?: string[] } }).spec?.roles ?? [], connector: 'local' }
        : {};
    this.emit({ ...events[action](), user: caller.username, name, ...(meta?.expires && { expires: meta.expires }), ...extra });
  }
}

function addr(meta: RequestMeta): Record<string, string> {
  return meta.remoteAddr ? { 'addr.remote': meta.remoteAddr } : {};
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
