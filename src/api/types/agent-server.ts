/**
 * Heartbeats of the services an agent runs besides SSH (`kind: db_server | kube_server |
 * app_server`, `version: v3`, as Teleport names them): one per database, Kubernetes cluster or
 * application an agent serves. `metadata.name` is the served resource's name; `spec.host_id` is
 * the UUID of the host whose agent serves it, which is what the proxy dials (through the host's
 * reverse tunnel, or at `spec.addr`). The served resource itself (`database`, `cluster`, `app`)
 * is carried as its own room defines it.
 */
import { z } from 'zod';
import type { Resource } from './metadata.js';
import { boolSchema, checkHeader, headerShape, parseWith } from './metadata.js';

/** Server kinds agents heartbeat besides `node`. */
export const AGENT_SERVER_KINDS = ['db_server', 'kube_server', 'app_server'] as const;
export type AgentServerKind = (typeof AGENT_SERVER_KINDS)[number];

/** The spec every agent server heartbeat shares (Teleport's DatabaseServerSpecV3 and siblings). */
export interface AgentServerSpec {
  /** UUID of the agent's host. */
  host_id: string;
  hostname: string;
  version?: string;
  /** `host:port` a proxy dials the agent at; absent when it is reached through a reverse tunnel. */
  addr?: string;
  use_tunnel?: boolean;
  [other: string]: unknown;
}

/** A validated db_server, kube_server or app_server heartbeat. */
export type AgentServer = Resource<AgentServerKind, AgentServerSpec>;

const specSchema = z.looseObject({
  host_id: z.string().min(1, 'host_id is required'),
  hostname: z.string().default(''),
  version: z.string().optional(),
  addr: z.string().optional(),
  use_tunnel: boolSchema.optional(),
});

const schemas = new Map(AGENT_SERVER_KINDS.map((kind) => [kind, z.strictObject({ ...headerShape(kind, ['v3']), spec: specSchema })]));

/** True for `db_server`, `kube_server` and `app_server`. */
export function isAgentServerKind(kind: string): kind is AgentServerKind {
  return (AGENT_SERVER_KINDS as readonly string[]).includes(kind);
}

/** Validate a heartbeat of `kind`. Throws BadParameterError naming the field. */
export function validateAgentServer(kind: AgentServerKind, input: unknown): AgentServer {
  checkHeader(input, kind, ['v3']);
  return parseWith<AgentServer>(schemas.get(kind)!, structuredClone(input), kind);
}
