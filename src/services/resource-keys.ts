/**
 * The way back from a backend key to the resource it holds, for watches: which kind, CA type and
 * name a key belongs to, which prefixes to watch for a kind, and decoding a changed item into the
 * resource (validated, with its revision) exactly as the stores read it. Mirrors the layout in
 * stores.ts; resource-keys.test.ts checks the two agree.
 */
import { APP_SESSION_PREFIX, appSessionResource } from '../api/app-wire.js';
import { BadParameterError } from '../api/errors.js';
import { AGENT_SERVER_KINDS, resolveKind, validateAgentServer, validateProxyServer } from '../api/types/index.js';
import type { Item } from '../backend/index.js';
import { AGENT_SERVER_PREFIXES } from './agent-server-store.js';

/** What a key names. `subKind` is the CA type for cert authorities, the host UUID for agent server heartbeats. */
export interface KeyRef {
  kind: string;
  subKind?: string;
  name: string;
}

interface Layout {
  kind: string;
  prefix: string;
  /** The name (and sub kind) of a key under `prefix`, or undefined for a sibling that is not a resource. */
  parse(rest: string): { name: string; subKind?: string } | undefined;
  validate(v: unknown): { metadata: { name: string } };
}

const single = (rest: string) => (rest !== '' && !rest.includes('/') ? { name: rest } : undefined);
const params = (rest: string) => {
  const m = /^([^/]+)\/params$/.exec(rest);
  return m ? { name: m[1] } : undefined;
};
const hostAndName = (rest: string) => {
  const m = /^([^/]+)\/([^/]+)$/.exec(rest);
  return m ? { subKind: m[1], name: m[2] } : undefined;
};
const byKind = (kind: string) => (v: unknown) => resolveKind(kind).validate(v) as { metadata: { name: string } };

const LAYOUTS: readonly Layout[] = [
  { kind: 'node', prefix: '/nodes/default/', parse: single, validate: byKind('node') },
  { kind: 'proxy', prefix: '/proxies/', parse: single, validate: validateProxyServer },
  {
    kind: 'cert_authority',
    prefix: '/authorities/',
    parse: (rest) => {
      const m = /^([^/]+)\/([^/]+)$/.exec(rest);
      return m ? { subKind: m[1], name: m[2] } : undefined;
    },
    validate: byKind('cert_authority'),
  },
  { kind: 'role', prefix: '/roles/', parse: params, validate: byKind('role') },
  { kind: 'db', prefix: '/db/', parse: single, validate: byKind('db') },
  { kind: 'app', prefix: '/applications/', parse: single, validate: byKind('app') },
  { kind: 'cluster_auth_preference', prefix: '/cluster_configuration/authentication_preference', parse: (r) => (r === '' ? { name: 'cluster-auth-preference' } : undefined), validate: byKind('cluster_auth_preference') },
  { kind: 'cluster_networking_config', prefix: '/cluster_configuration/networking', parse: (r) => (r === '' ? { name: 'cluster-networking-config' } : undefined), validate: byKind('cluster_networking_config') },
  { kind: 'cluster_name', prefix: '/cluster_configuration/name', parse: (r) => (r === '' ? { name: 'cluster-name' } : undefined), validate: byKind('cluster_name') },
  ...AGENT_SERVER_KINDS.map((kind) => ({ kind, prefix: AGENT_SERVER_PREFIXES[kind], parse: hostAndName, validate: (v: unknown) => validateAgentServer(kind, v) })),
  // Written by auth/app-sessions.ts (the session as stored, wrapped as a resource for the watch).
  { kind: 'app_session', prefix: APP_SESSION_PREFIX, parse: single, validate: appSessionResource },
];

/** The backend prefixes to watch for `kind`; undefined for a kind without a known layout. */
export function prefixesOfKind(kind: string): string[] | undefined {
  const l = LAYOUTS.find((x) => x.kind === kind);
  return l && [l.prefix];
}

/** What `key` holds, or undefined when it is no resource of a watchable kind. */
export function refOfKey(key: string): KeyRef | undefined {
  for (const l of LAYOUTS) {
    if (!key.startsWith(l.prefix)) continue;
    const p = l.parse(key.slice(l.prefix.length));
    if (p) return { kind: l.kind, name: p.name, ...(p.subKind !== undefined && { subKind: p.subKind }) };
  }
  return undefined;
}

/**
 * The resource a changed item holds, validated as its store would read it, with `metadata.revision`
 * set. Throws BadParameterError when the stored value does not validate, or when the key is no
 * resource of a watchable kind.
 */
export function decodeItem(item: Item): { kind: string; metadata: { name: string; revision?: string } } {
  const l = LAYOUTS.find((x) => item.key.startsWith(x.prefix) && x.parse(item.key.slice(x.prefix.length)));
  if (!l) throw new BadParameterError(`key ${item.key} holds no watchable resource`);
  const r = l.validate(JSON.parse(item.value)) as { kind: string; metadata: { name: string; revision?: string } };
  return { ...r, metadata: { ...r.metadata, revision: item.revision } };
}
