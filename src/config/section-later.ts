/**
 * Service sections a later release runs (windows desktop, discovery, and the
 * metrics/tracing/debug side services): their documented keys are accepted, values kept as written.
 */
import type { Node } from 'yaml';
import { bool, fields, loose, type SourceContext } from './read.js';
import type { LaterServiceConfig } from './types.js';

/** Documented keys per later section (besides `enabled`). */
export const LATER_SECTIONS = {
  db_service: ['databases', 'resources', 'aws', 'azure', 'gcp'],
  windows_desktop_service: [
    'listen_addr',
    'public_addr',
    'ldap',
    'discovery',
    'discovery_configs',
    'static_hosts',
    'hosts',
    'non_ad_hosts',
    'host_labels',
    'labels',
    'pki_domain',
    'show_desktop_wallpaper',
    'resources',
  ],
  discovery_service: ['aws', 'azure', 'gcp', 'kubernetes', 'access_graph', 'discovery_group', 'poll_interval'],
  metrics_service: ['listen_addr', 'mtls', 'keypairs', 'ca_certs', 'grpc_server_latency', 'grpc_client_latency'],
  tracing_service: ['exporter_url', 'sampling_rate_per_million', 'ca_certs', 'keypairs'],
  debug_service: [],
} as const satisfies Record<string, readonly string[]>;

/** Name of a later section in the file. */
export type LaterSection = keyof typeof LATER_SECTIONS;

/** Read one later section; `enabled` is undefined when not written (these default to off). */
export function readLater(
  name: LaterSection,
  node: Node | null,
  ctx: SourceContext,
): { config: LaterServiceConfig; enabled?: boolean } {
  const keys = LATER_SECTIONS[name] as readonly string[];
  const f = fields(node, name, ctx, ['enabled', ...keys]);
  const settings: Record<string, unknown> = {};
  for (const key of keys) {
    const v = f.get(key, loose);
    if (v !== undefined) settings[key] = v;
  }
  return { enabled: f.get('enabled', bool), config: { settings } };
}
