/**
 * The reverse tunnel wire protocol, version v1 (ours: Teleport's agents speak Go's SSH library with
 * channel types our SSH adapter cannot open, so the same roles ride on standard SSH primitives).
 *
 * An agent dials the proxy's tunnel port (3024) as an SSH client, user `<host_uuid>.<cluster>`,
 * authenticating with its host certificate; it checks that the proxy presents a host certificate
 * of the same cluster with role Proxy. Then:
 *  - control: the agent opens a session with subsystem `teleport-heartbeat`; both sides write
 *    newline-delimited JSON messages on it (ControlMessage): the proxy first sends `hello` (its host
 *    UUID, bound to its certificate's principals), then `discovery` (every proxy heartbeating in
 *    the backend) at once and on every change; both send `ping` each heartbeat period and drop the
 *    connection after three silent periods.
 *  - transport: the agent asks for `tcpip-forward` of TRANSPORT_BIND; each `forwarded-tcpip`
 *    channel the proxy opens there is one transport channel (Teleport's `teleport-transport`). Its
 *    first bytes are a length-prefixed JSON DialRequest (Teleport's `teleport-transport-dial`), the
 *    agent answers with a length-prefixed DialReply, and on `ok` the channel carries the dialed
 *    connection's bytes (for a node: the client's end-to-end SSH connection).
 *  - to auth: the agent opens `direct-tcpip` to REMOTE_AUTH_SERVER; the proxy relays it to the
 *    auth API (mutual TLS runs end to end over it), so an agent needs no route to auth.
 */
import { z } from 'zod';
import { BadParameterError } from '../api/errors.js';

/** Version of this protocol, sent in `hello` and in every dial request. */
export const PROTOCOL_VERSION = 'v1';

/** Subsystem of the control channel. */
export const CONTROL_SUBSYSTEM = 'teleport-heartbeat';

/** The `tcpip-forward` an agent asks for so the proxy can open transport channels to it. */
export const TRANSPORT_BIND = { addr: 'teleport-transport', port: 1 } as const;

/** direct-tcpip destination that the proxy relays to the auth API. */
export const REMOTE_AUTH_SERVER = '@remote-auth-server';

/** Dial address meaning the agent's own SSH node service. */
export const LOCAL_NODE = '@local-node';

/** Host certificate extension naming the host's system role. */
export const ROLE_EXTENSION = 'x-teleport-role';

/** Largest control line or dial frame accepted. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * What a transport channel is for, as Teleport's tunnel types: the SSH node and the database,
 * Kubernetes, application and desktop services of the same agent, each answered by the handler its
 * service registered (dial-handlers.ts); the proxy's route core sends the target's kind.
 */
export const TUNNEL_TYPES = ['node', 'db', 'kube', 'app', 'windows_desktop'] as const;
export type TunnelType = (typeof TUNNEL_TYPES)[number];

const dialRequestSchema = z.strictObject({
  version: z.literal(PROTOCOL_VERSION),
  type: z.enum(TUNNEL_TYPES),
  /** `@local-node` for a node; for the other types the name of the database, Kubernetes cluster or app served. */
  address: z.string().min(1).max(1024),
  /** The target's `<host_uuid>.<cluster>` (or a service name for db/app), for the agent's checks. */
  server_id: z.string().max(256).default(''),
  /** The client behind the request, `ip:port`, so the service sees and audits the real peer. */
  client_addr: z.string().max(256).default(''),
});

/** The first frame of a transport channel. */
export type DialRequest = z.infer<typeof dialRequestSchema>;

/** Validates a dial request. Throws BadParameterError naming what is wrong. */
export function parseDialRequest(raw: unknown): DialRequest {
  const r = dialRequestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BadParameterError(`invalid dial request: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return r.data;
}

/** The agent's answer to a dial request; after `ok: true` the channel carries the connection. */
export type DialReply = { ok: true } | { ok: false; error: { code: string; message: string } };

const dialReplySchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string().max(64), message: z.string().max(4096) }) }),
]);

/** Validates a dial reply. Throws BadParameterError. */
export function parseDialReply(raw: unknown): DialReply {
  const r = dialReplySchema.safeParse(raw);
  if (!r.success) throw new BadParameterError('invalid dial reply from the agent');
  return r.data as DialReply;
}

/** A proxy in a discovery message, in Teleport's shape (`{version, metadata: {name}}`). */
export interface DiscoveryProxy {
  version: 'v2';
  metadata: { name: string };
}

/** One line on the control channel. */
export type ControlMessage =
  | { type: 'hello'; version: string; proxy_id: string; cluster_name: string }
  | { type: 'discovery'; proxies: DiscoveryProxy[] }
  | { type: 'ping' };

const controlSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.string().max(32), proxy_id: z.string().min(1).max(256), cluster_name: z.string().max(256) }),
  z.object({
    type: z.literal('discovery'),
    proxies: z.array(z.object({ version: z.literal('v2'), metadata: z.object({ name: z.string().min(1).max(256) }) })).max(10_000),
  }),
  z.object({ type: z.literal('ping') }),
]);

/** Parses one control line. Throws BadParameterError for anything malformed. */
export function parseControlMessage(line: string): ControlMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (cause) {
    throw new BadParameterError('control message is not JSON', { cause });
  }
  const r = controlSchema.safeParse(raw);
  if (!r.success) throw new BadParameterError(`invalid control message: ${r.error.issues[0].message}`);
  return r.data as ControlMessage;
}

/** A discovery message listing `proxyIds`. */
export function discoveryMessage(proxyIds: string[]): ControlMessage {
  return { type: 'discovery', proxies: proxyIds.map((name) => ({ version: 'v2', metadata: { name } })) };
}
