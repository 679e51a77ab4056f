/**
 * How an item is stored in an etcd value: a one-line JSON header (`e`: expiry in ms since the
 * epoch, `r`: the item's revision when it differs from etcd's mod_revision, as after keepAlive),
 * a newline, then the value's UTF-8 bytes. Expiry lives in the value because it follows the
 * backend's clock; the etcd lease attached to the key only cleans up after it.
 */

/** A decoded etcd value. */
export interface Envelope {
  value: string;
  expires?: number;
  /** Set when the item keeps a revision older than the key's mod_revision (keepAlive). */
  revision?: string;
}

interface Header {
  e?: number;
  r?: string;
}

const NL = 0x0a;

/** Encodes an item for etcd. */
export function encodeEnvelope(env: Envelope): Buffer {
  const h: Header = {};
  if (env.expires !== undefined) h.e = env.expires;
  if (env.revision !== undefined) h.r = env.revision;
  return Buffer.concat([Buffer.from(JSON.stringify(h) + '\n', 'utf8'), Buffer.from(env.value, 'utf8')]);
}

/** Decodes an etcd value; a value without our header (written by another tool) is taken whole. */
export function decodeEnvelope(buf: Buffer): Envelope {
  const nl = buf.indexOf(NL);
  if (nl > 0 && buf[0] === 0x7b /* { */) {
    try {
      const h = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Header;
      const env: Envelope = { value: buf.subarray(nl + 1).toString('utf8') };
      if (typeof h.e === 'number') env.expires = h.e;
      if (typeof h.r === 'string') env.revision = h.r;
      return env;
    } catch {
      // Not our header: fall through.
    }
  }
  return { value: buf.toString('utf8') };
}
