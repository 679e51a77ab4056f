/**
 * The proxy's hello to a Kubernetes agent, version 1: the first bytes of every stream the proxy
 * opens to a kubernetes_service (in memory, or through the host's reverse tunnel). A 4-byte
 * big-endian length, then that many bytes of JSON (KubeHello); the client's HTTP bytes follow as
 * kubectl sent them. The proxy has verified the user's certificate and checked the cluster's
 * kubernetes_labels; the agent authorizes again, impersonates and audits.
 */
import type { Duplex } from 'node:stream';
import { BadParameterError } from '../api/errors.js';
import { HELLO_TIMEOUT_MS, encodeHelloFrame, readHelloFrame, type HelloFormat } from '../api/hello-frame.js';

/** The hello's version; an agent refuses any other. */
export const KUBE_HELLO_VERSION = 1;
/** Largest hello accepted (roles and traits of one user). */
export const MAX_KUBE_HELLO_BYTES = 64 * 1024;

/** Who connects to which Kubernetes cluster, as the proxy established it. */
export interface KubeHello {
  v: number;
  /** The Kubernetes cluster's name (its kube_server heartbeat's name). */
  cluster: string;
  /** The Teleport user, from the client certificate. */
  user: string;
  roles: string[];
  traits: Record<string, string[]>;
  /** The client, `ip:port`. */
  client_addr: string;
  /** The Teleport cluster the user's certificate was issued by. */
  teleport_cluster: string;
  /**
   * The MFA device the client's certificate was issued after (per-session MFA), only when the
   * certificate is also routed to this cluster: an MFA certificate is bound to one target.
   */
  mfa_verified?: string;
}

/** The Kubernetes hello's framing. */
const KUBE_HELLO: HelloFormat<KubeHello> = { what: 'kubernetes hello', maxBytes: MAX_KUBE_HELLO_BYTES, check: (x) => checkKubeHello(x) };

/** The hello as bytes. */
export function encodeKubeHello(h: KubeHello): Buffer {
  return encodeHelloFrame(KUBE_HELLO, h);
}

/** Checks a decoded hello's shape. Throws BadParameterError naming the field. */
export function checkKubeHello(x: unknown): KubeHello {
  const h = x as Partial<KubeHello> | null;
  if (!h || typeof h !== 'object') throw new BadParameterError('kubernetes hello is not an object');
  if (h.v !== KUBE_HELLO_VERSION) throw new BadParameterError(`kubernetes hello version ${String(h.v)} is not ${KUBE_HELLO_VERSION}`);
  for (const k of ['cluster', 'user', 'client_addr', 'teleport_cluster'] as const) {
    if (typeof h[k] !== 'string' || h[k] === '') throw new BadParameterError(`kubernetes hello lacks ${k}`);
  }
  if (!Array.isArray(h.roles) || !h.roles.every((r) => typeof r === 'string')) throw new BadParameterError('kubernetes hello roles must be strings');
  const traits = h.traits ?? {};
  if (typeof traits !== 'object' || Object.values(traits).some((v) => !Array.isArray(v) || !v.every((s) => typeof s === 'string'))) {
    throw new BadParameterError('kubernetes hello traits must map names to lists of strings');
  }
  return { ...(h as KubeHello), traits };
}

/** Reads the hello from the front of `stream`; the bytes after it are put back and the stream is paused. */
export function readKubeHello(stream: Duplex, timeoutMs = HELLO_TIMEOUT_MS): Promise<KubeHello> {
  return readHelloFrame(stream, KUBE_HELLO, timeoutMs);
}
