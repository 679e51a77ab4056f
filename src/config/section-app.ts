/**
 * The `app_service:` section (Teleport's keys): the applications this agent proxies (HTTP(S) apps
 * by `uri`, TCP apps by `tcp://host:port`), each with its public address, labels, certificate check
 * and rewrites, and the label selectors (`resources`) of the `app` resources it serves besides them.
 * Keys Teleport documents that this release does not act on (`debug_app`, cloud apps, dynamic
 * `commands` labels, CORS, ...) are refused with their name, never read and ignored.
 */
import type { Node } from 'yaml';
import { bool, fields, list, str, strMap, type Fields, type Reader, type SourceContext } from './read.js';
import type { AppConfig, AppServiceConfig } from './types.js';
import { resourceSelector } from './resource-selector.js';

/** Section keys Teleport documents that this release refuses. */
const LATER_SECTION_KEYS = ['debug_app', 'mcp_demo_server'] as const;
/** App keys Teleport documents that this release refuses. */
const LATER_APP_KEYS = ['commands', 'aws', 'cloud', 'azure', 'gcp', 'cors', 'required_apps', 'use_any_proxy_public_addr', 'tcp_ports', 'mcp', 'identity_center'] as const;
/** Teleport's app names become DNS labels of the public address. */
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Headers a rewrite may not set: the identity and forwarding headers the agent sets itself, and framing. */
const RESERVED_HEADER = /^(teleport-jwt-assertion|x-teleport-.*|x-forwarded-.*|host|content-length|connection|transfer-encoding|upgrade|te|trailer|keep-alive)$/i;

function refuseLater(f: Fields, keys: readonly string[]): void {
  for (const key of keys) {
    if (f.has(key)) f.fail(key, `${key} is not supported by this release yet; remove it`);
  }
}

/** `Name: value` of rewrite.headers (the value may hold trait templates such as {{internal.logins}}). */
const header: Reader<{ name: string; value: string }> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  const i = text.indexOf(':');
  const name = i > 0 ? text.slice(0, i).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return ctx.fail(node, path, `"${text}" is not a header line: write "Name: value"`);
  if (RESERVED_HEADER.test(name)) return ctx.fail(node, path, `header "${name}" is set by Teleport and cannot be rewritten`);
  return { name, value: text.slice(i + 1).trim() };
};

/** Reads an app URI: `http://`, `https://` or `tcp://` with a host. Throws at the key otherwise. */
export function appURI(text: string): URL | string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `uri "${text}" is not a URL: write http://host:port, https://host:port or tcp://host:port`;
  }
  if (!['http:', 'https:', 'tcp:'].includes(u.protocol)) return `uri scheme "${u.protocol.slice(0, -1)}" is not supported (http, https or tcp)`;
  if (!u.hostname) return `uri "${text}" has no host`;
  if (u.protocol === 'tcp:' && !u.port) return `tcp uri "${text}" needs a port`;
  return u;
}

const resourceSelectorOf = resourceSelector('app');

const app: Reader<AppConfig> = (node, path, ctx) => {
  const f: Fields = fields(node, path, ctx, ['name', 'description', 'uri', 'public_addr', 'insecure_skip_verify', 'labels', 'rewrite', ...LATER_APP_KEYS]);
  refuseLater(f, LATER_APP_KEYS);
  const name = f.get('name', str);
  if (!name) f.fail('name', 'name is required');
  if (!NAME.test(name) || name.length > 63) f.fail('name', `invalid app name "${name}": lower-case letters, digits and dashes (it becomes a DNS label of the public address)`);
  const uri = f.get('uri', str);
  if (!uri) f.fail('uri', 'uri is required: http://host:port, https://host:port or tcp://host:port');
  const parsed = appURI(uri);
  if (typeof parsed === 'string') f.fail('uri', parsed);
  const publicAddr = f.get('public_addr', str);
  if (publicAddr !== undefined && (publicAddr.includes('://') || /[\s/]/.test(publicAddr))) f.fail('public_addr', `public_addr "${publicAddr}" must be a host name (host or host:port), without a scheme or path`);
  const rw: Fields = f.section('rewrite', ['redirect', 'headers', 'jwt_claims']);
  if (rw.has('jwt_claims')) rw.fail('jwt_claims', 'jwt_claims is not supported by this release yet; remove it (the JWT carries roles and traits)');
  return {
    name,
    description: f.get('description', str) ?? '',
    uri,
    ...(publicAddr && { publicAddr: publicAddr.toLowerCase() }),
    insecureSkipVerify: f.get('insecure_skip_verify', bool) ?? false,
    labels: f.get('labels', strMap) ?? {},
    rewrite: { redirect: rw.get('redirect', list(str)) ?? [], headers: rw.get('headers', list(header)) ?? [] },
  };
};

/** Read `app_service:` (absent: no apps); `enabled` is undefined when not written. */
export function readApp(node: Node | null, ctx: SourceContext): { config: AppServiceConfig; enabled?: boolean } {
  const f = fields(node, 'app_service', ctx, ['enabled', 'apps', 'resources', ...LATER_SECTION_KEYS]);
  const enabled = f.get('enabled', bool);
  refuseLater(f, LATER_SECTION_KEYS);
  const apps = f.get('apps', list(app)) ?? [];
  const seen = new Set<string>();
  apps.forEach((a, i) => {
    if (seen.has(a.name)) ctx.fail(f.nodeOf('apps'), `app_service.apps[${i}].name`, `app "${a.name}" is listed twice`);
    seen.add(a.name);
  });
  const resources = f.get('resources', list(resourceSelectorOf)) ?? [];
  return { enabled, config: { apps, resources, settings: {} } };
}
