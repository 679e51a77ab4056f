/**
 * `cluster_networking_config` (v2, the singleton `cluster-networking-config`): the cluster-wide
 * connection settings agents and proxies apply. `auth_service`'s `client_idle_timeout`,
 * `client_idle_timeout_message`, `keep_alive_interval`, `keep_alive_count_max`,
 * `session_control_timeout` and `web_idle_timeout` set it from teleport.yaml; `tctl create` edits it.
 * Teleport's other fields (routing strategy, proxy peering, case-insensitive routing, SSH dial
 * timeout, ping interval) are refused by name: this release does not act on them.
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { checkHeader, durationMs, durationSchema, headerShape, parseWith } from './metadata.js';

/** The spec as stored and served. Durations are Go duration strings. */
export interface NetworkingConfigSpec {
  /** Close SSH connections idle this long (0: never), unless a role sets a shorter one. */
  client_idle_timeout?: string;
  /** What the client is told when its connection is closed for being idle. */
  idle_timeout_message?: string;
  /** How often servers send SSH keep-alives to clients (default 5m). */
  keep_alive_interval: string;
  /** Keep-alives a client may leave unanswered before it is disconnected (default 3). */
  keep_alive_count_max: number;
  /** How long a connection's hold on a `max_connections` slot lasts without renewal (default 2m). */
  session_control_timeout?: string;
  /** Web UI sessions end after this much inactivity (0: only when they expire). */
  web_idle_timeout?: string;
  tunnel_strategy?: { type: 'agent_mesh' };
}

/** The cluster's networking configuration. */
export type NetworkingConfig = Resource<'cluster_networking_config', NetworkingConfigSpec>;

export const NETWORKING_CONFIG_NAME = 'cluster-networking-config';

/** Defaults as Teleport's (api/defaults): keep-alives every 5 minutes, 3 missed, leases of 2 minutes. */
export const DEFAULT_KEEP_ALIVE_INTERVAL = '5m0s';
export const DEFAULT_KEEP_ALIVE_COUNT_MAX = 3;
export const DEFAULT_SESSION_CONTROL_TIMEOUT_MS = 2 * 60_000;

/** Teleport fields this release reads no value from: refused by name rather than ignored. */
const NOT_ACTED_ON: Record<string, string> = {
  routing_strategy: 'SSH routing always refuses an ambiguous host name (unambiguous_match)',
  case_insensitive_routing: 'host names are matched as written',
  ssh_dial_timeout: 'proxies dial nodes with a fixed timeout',
  proxy_ping_interval: 'proxies do not ping agents over the tunnel on a schedule of their own',
  proxy_listener_mode: 'set auth_service.proxy_listener_mode in teleport.yaml instead',
  assist_command_execution_workers: 'there is no Assist in this release',
};

/** zod schema of a cluster_networking_config document (durations normalised to Go strings). */
export const networkingConfigSchema = z.strictObject({
  ...headerShape('cluster_networking_config', ['v2']),
  spec: z
    .strictObject({
      client_idle_timeout: durationSchema.optional(),
      idle_timeout_message: z.string().optional(),
      keep_alive_interval: durationSchema.optional(),
      keep_alive_count_max: z.number().int().nonnegative().optional(),
      session_control_timeout: durationSchema.optional(),
      web_idle_timeout: durationSchema.optional(),
      tunnel_strategy: z
        .strictObject({ type: z.string() })
        .refine((t) => t.type === 'agent_mesh', 'only agent_mesh is available in this release (proxy_peering is not)')
        .optional(),
    })
    .optional(),
});

/**
 * Validate a cluster_networking_config document and apply Teleport's defaults (keep-alives every
 * 5m, 3 missed, agent_mesh). Throws BadParameterError naming the field.
 */
export function validateNetworkingConfig(input: unknown): NetworkingConfig {
  checkHeader(input, 'cluster_networking_config', ['v2']);
  const obj = structuredClone(input) as Record<string, unknown>;
  obj.metadata ??= { name: NETWORKING_CONFIG_NAME };
  for (const key of Object.keys((obj.spec as object | null) ?? {})) {
    const why = NOT_ACTED_ON[key];
    if (why) throw new BadParameterError(`cluster_networking_config: spec.${key} is not supported by this release (${why}); remove it`);
  }
  const parsed = parseWith<Resource<'cluster_networking_config', Partial<NetworkingConfigSpec>>>(networkingConfigSchema, obj, 'cluster_networking_config');
  if (parsed.metadata.name !== NETWORKING_CONFIG_NAME) {
    throw new BadParameterError(`metadata.name: must be "${NETWORKING_CONFIG_NAME}", got "${parsed.metadata.name}"`);
  }
  const spec: NetworkingConfigSpec = {
    ...parsed.spec,
    keep_alive_interval: parsed.spec?.keep_alive_interval && durationMs(parsed.spec.keep_alive_interval) > 0 ? parsed.spec.keep_alive_interval : DEFAULT_KEEP_ALIVE_INTERVAL,
    keep_alive_count_max: parsed.spec?.keep_alive_count_max || DEFAULT_KEEP_ALIVE_COUNT_MAX,
    tunnel_strategy: { type: 'agent_mesh' },
  };
  return { ...parsed, spec };
}

/** The settings in milliseconds, as servers apply them (0: off). */
export interface NetworkingSettings {
  clientIdleTimeoutMs: number;
  idleTimeoutMessage: string;
  keepAliveIntervalMs: number;
  keepAliveCountMax: number;
  sessionControlTimeoutMs: number;
  webIdleTimeoutMs: number;
}

/** Read a stored config (or none: the defaults) as numbers. */
export function networkingSettings(cfg: NetworkingConfig | undefined): NetworkingSettings {
  const s = cfg?.spec;
  return {
    clientIdleTimeoutMs: durationMs(s?.client_idle_timeout),
    idleTimeoutMessage: s?.idle_timeout_message ?? '',
    keepAliveIntervalMs: durationMs(s?.keep_alive_interval ?? DEFAULT_KEEP_ALIVE_INTERVAL),
    keepAliveCountMax: s?.keep_alive_count_max || DEFAULT_KEEP_ALIVE_COUNT_MAX,
    sessionControlTimeoutMs: durationMs(s?.session_control_timeout) || DEFAULT_SESSION_CONTROL_TIMEOUT_MS,
    webIdleTimeoutMs: durationMs(s?.web_idle_timeout),
  };
}
