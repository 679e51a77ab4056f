/**
 * Authentication, impersonation and authorization the way the API server's filters do them:
 * a client certificate signed by the cluster CA (CN = user, O = groups) or a bearer token;
 * `Impersonate-*` headers checked with the `impersonate` verb against the caller, after which the
 * impersonated user (plus `system:authenticated`) is what RBAC sees; then simple RBAC rules.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { failure, forbidden, unauthorized, type Status } from './status.js';

/** Who a request acts as. */
export interface UserInfo {
  user: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** One allow rule: a subject (users or groups, `*` for any) may use verbs on resources. */
export interface Rule {
  users?: string[];
  groups?: string[];
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `impersonate`, or `*`. */
  verbs: string[];
  /** `pods`, `pods/exec`, `configmaps`, `users`, `groups`, `uids`, `userextras/<key>`, or `*`. */
  resources: string[];
  /** Namespaces the rule holds in; all when absent. */
  namespaces?: string[];
}

/** The default rules: system:masters may do everything; `guest` may read pods, their logs and namespaces, not configmaps. */
export const DEFAULT_RULES: Rule[] = [
  { groups: ['system:masters'], verbs: ['*'], resources: ['*'] },
  { groups: ['guest'], verbs: ['get', 'list', 'watch'], resources: ['pods', 'pods/log', 'namespaces'] },
];

/** What is being asked. */
export interface Attributes {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

function match(list: string[] | undefined, value: string): boolean {
  return list?.includes('*') === true || list?.includes(value) === true;
}

/** Whether `who` may do `a` under `rules`. */
export function allowed(rules: Rule[], who: UserInfo, a: Attributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return rules.some(
    (r) =>
      (match(r.users, who.user) || who.groups.some((g) => match(r.groups, g))) &&
      match(r.verbs, a.verb) &&
      (match(r.resources, resource) || r.resources.some((x) => x.endsWith('/*') && resource.startsWith(x.slice(0, -1)))) &&
      (r.namespaces === undefined || (a.namespace !== undefined && r.namespaces.includes(a.namespace))),
  );
}

/** The answer of authentication: the user, or the Status to send. */
export type AuthResult = { ok: true; user: UserInfo } | { ok: false; status: Status };

function names(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Reads the caller: a valid client certificate, else `Authorization: Bearer <token>` from `tokens`. */
export function authenticate(req: IncomingMessage, tokens: Map<string, UserInfo>): AuthResult {
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const user = m ? tokens.get(m[1]!) : undefined;
    if (!user) return { ok: false, status: unauthorized() };
    return { ok: true, user: withAuthenticated({ ...user, groups: [...user.groups] }) };
  }
  const socket = req.socket as TLSSocket;
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (!cert || !cert.subject || !socket.authorized) return { ok: false, status: unauthorized() };
  const cn = names(cert.subject.CN)[0];
  if (!cn) return { ok: false, status: unauthorized() };
  return { ok: true, user: withAuthenticated({ user: cn, groups: names(cert.subject.O) }) };
}

function withAuthenticated(u: UserInfo): UserInfo {
  if (u.user !== 'system:anonymous' && !u.groups.includes('system:authenticated')) u.groups.push('system:authenticated');
  return u;
}

/**
 * Applies `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>`:
 * each requires the `impersonate` verb for the caller on users/groups/uids/userextras. Returns the
 * identity to authorize (the caller's when no header is present) or the Status to send.
 */
export function impersonate(req: IncomingMessage, caller: UserInfo, rules: Rule[]): AuthResult {
  const h = req.headersDistinct;
  const user = h['impersonate-user']?.[0];
  const groups = (h['impersonate-group'] ?? []).flatMap((v) => v.split(',').map((s) => s.trim())).filter((s) => s !== '');
  const uid = h['impersonate-uid']?.[0];
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('impersonate-extra-') && v) extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = v;
  }
  const any = user !== undefined || groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0;
  if (!any) return { ok: true, user: caller };
  if (user === undefined) {
    const what = [groups.length > 0 ? `groups ${JSON.stringify(groups)}` : '', uid !== undefined ? `uid "${uid}"` : '', Object.keys(extra).length > 0 ? 'extra' : '']
      .filter(Boolean)
      .join(', ');
    return { ok: false, status: failure(500, 'InternalError', `Internal error occurred: requested impersonation of ${what} without impersonating a user`) };
  }
  const checks: Attributes[] = [
    { verb: 'impersonate', resource: user.startsWith('system:serviceaccount:') ? 'serviceaccounts' : 'users', name: user },
    ...groups.map((g) => ({ verb: 'impersonate', resource: 'groups', name: g })),
    ...(uid !== undefined ? [{ verb: 'impersonate', resource: 'uids', name: uid }] : []),
    ...Object.keys(extra).map((k) => ({ verb: 'impersonate', resource: 'userextras', subresource: k })),
  ];
  for (const a of checks) {
    if (!allowed(rules, caller, a)) {
      return { ok: false, status: forbidden({ user: caller.user, verb: 'impersonate', resource: a.resource, subresource: a.subresource, name: a.name }) };
    }
  }
  const out: UserInfo = { user, groups: [...groups] };
  if (uid !== undefined) out.uid = uid;
  if (Object.keys(extra).length > 0) out.extra = extra;
  return { ok: true, user: withAuthenticated(out) };
}
