/**
 * The proxy's hello to a Kubernetes agent, version 1: the first bytes of every stream the proxy
 * opens to a kubernetes_service (in memory, or through the host's reverse tunnel). A 4-byte
 * big-endian length, then that many bytes of JSON (KubeHello); the client's HTTP bytes follow as
 * kubectl sent them. The proxy has verified the user's certificate and checked the cluster's
 * kubernetes_labels; the agent authorizes again, impersonates and audits.
 */
import type { Duplex } from 'node:stream';
import { BadParameterError } from '../api/errors.js';

/** The hello's version; an agent refuses any other. */
export const KUBE_HELLO_VERSION = 1;
/** Largest hello accepted (roles and traits of one user). */
export const MAX_KUBE_HELLO_BYTES = 64 * 1024;
/** How long the hello may take to arrive. */
const HELLO_TIMEOUT_MS = 15_000;

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
}

/** The hello as bytes. */
export function encodeKubeHello(h: KubeHello): Buffer {
  const body = Buffer.from(JSON.stringify(h), 'utf8');
  if (body.length > MAX_KUBE_HELLO_BYTES) throw new BadParameterError(`kubernetes hello of ${body.length} bytes is over ${MAX_KUBE_HELLO_BYTES}`);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
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
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => done(new BadParameterError('no kubernetes hello from the proxy in time')), timeoutMs);
    const done = (err?: Error, hello?: KubeHello, rest?: Buffer) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.pause();
      if (err) return reject(err);
      if (rest && rest.length > 0) stream.unshift(rest);
      resolve(hello!);
    };
    const onEnd = () => done(new BadParameterError('the stream ended before the kubernetes hello'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readUInt32BE(0);
      if (len > MAX_KUBE_HELLO_BYTES) return done(new BadParameterError(`kubernetes hello of ${len} bytes is too large`));
      if (buf.length < 4 + len) return;
      try {
        done(undefined, checkKubeHello(JSON.parse(buf.subarray(4, 4 + len).toString('utf8'))), buf.subarray(4 + len));
      } catch (err) {
        done(err instanceof BadParameterError ? err : new BadParameterError(`malformed kubernetes hello: ${(err as Error).message}`));
      }
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}
