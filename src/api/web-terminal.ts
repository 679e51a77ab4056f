/**
 * The web terminal's wire protocol, shared by the proxy and the web UI (pure: Uint8Array, no Buffer).
 * After the socket authenticates, every frame is a binary websocket message holding a protobuf
 * `Envelope { string version = 1; string type = 2; string payload = 3; }` with version "1", as
 * Teleport's web terminal sends. `payload` carries raw bytes for terminal data (`r`).
 */

/** The only envelope version. */
export const ENVELOPE_VERSION = '1';

/** Envelope types (Teleport's single-letter codes). */
export const ENVELOPE = {
  /** Terminal bytes, both directions. */
  raw: 'r',
  /** Window size from the browser: JSON `{event: "resize", width, height, size: "w:h"}`. */
  resize: 'w',
  /** An audit event about the session (JSON). */
  audit: 'a',
  /** Session metadata, once the session has started (JSON `{session: {...}}`). */
  session: 's',
  /** The session ended. */
  close: 'c',
  /** An error the browser should show; the socket closes after it. */
  error: 'e',
} as const;

/** A decoded envelope. */
export interface Envelope {
  version: string;
  type: string;
  payload: Uint8Array;
}

/** `params` of `GET /webapi/sites/:site/connect/ws` (Teleport's TerminalRequest). */
export interface TerminalRequest {
  /** Node UUID, or hostname (`hostname:port` accepted). */
  server_id: string;
  login: string;
  term: { w: number; h: number };
  /** A live session to join (server_id and login are then taken from its tracker). */
  sid?: string;
  /** Participant mode when joining: observer (default), moderator or peer. */
  mode?: string;
  /** Ours: the answer to a per-session MFA challenge (require_session_mfa), a TOTP code or a security key assertion. */
  mfa?: { totp_code?: string; webauthn_response?: Record<string, unknown> & { id: string; response: Record<string, unknown> } };
}

/** First text frame of the socket: the bearer token (the cookie came with the upgrade). */
export interface WebSocketAuth {
  token: string;
}

/** The proxy's answer to WebSocketAuth. */
export interface WebSocketAuthStatus {
  type: 'create_session_response';
  status: 'ok' | 'error';
  message?: string;
}

/** Terminal sizes Teleport accepts. */
export const TERM_MIN = 1;
export const TERM_MAX = 4095;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function field(no: number, bytes: Uint8Array): number[] {
  return [(no << 3) | 2, ...varint(bytes.length)];
}

/** Encodes an envelope; a string payload is sent as UTF-8. */
export function encodeEnvelope(type: string, payload: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const version = encoder.encode(ENVELOPE_VERSION);
  const t = encoder.encode(type);
  const p = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const head1 = field(1, version);
  const head2 = field(2, t);
  const head3 = field(3, p);
  const out = new Uint8Array(head1.length + version.length + head2.length + t.length + head3.length + p.length);
  let at = 0;
  for (const part of [head1, version, head2, t, head3, p]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Malformed envelope bytes. */
export class EnvelopeError extends Error {}

/** Decodes an envelope; unknown fields are skipped. Throws EnvelopeError for malformed bytes. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let at = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length) throw new EnvelopeError('truncated varint');
      const b = bytes[at++];
      if (shift < 28) result |= (b & 0x7f) << shift;
      else if (shift < 64) result += (b & 0x7f) * 2 ** shift;
      else throw new EnvelopeError('varint too long');
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  const env: Envelope = { version: '', type: '', payload: new Uint8Array(0) };
  while (at < bytes.length) {
    const tag = readVarint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 2) {
      const len = readVarint();
      if (len > bytes.length - at) throw new EnvelopeError('field longer than the message');
      const value = bytes.subarray(at, at + len);
      at += len;
      if (no === 1) env.version = decoder.decode(value);
      else if (no === 2) env.type = decoder.decode(value);
      else if (no === 3) env.payload = value;
    } else if (wire === 0) {
      readVarint();
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > bytes.length) throw new EnvelopeError('truncated fixed-size field');
    } else {
      throw new EnvelopeError(`unsupported wire type ${wire}`);
    }
  }
  if (env.type === '') throw new EnvelopeError('envelope without a type');
  return env;
}

/** The payload of a resize envelope for `cols` x `rows`. */
export function resizePayload(cols: number, rows: number): string {
  return JSON.stringify({ event: 'resize', width: cols, height: rows, size: `${cols}:${rows}` });
}

/** Reads a resize payload (`size: "w:h"`, else `width`/`height`); undefined when it names no valid size. */
export function parseResizePayload(payload: Uint8Array | string): { cols: number; rows: number } | undefined {
  let v: { size?: unknown; width?: unknown; height?: unknown };
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload)) as typeof v;
  } catch {
    return undefined;
  }
  let cols = Number(v?.width);
  let rows = Number(v?.height);
  if (typeof v?.size === 'string') {
    const m = /^(\d+):(\d+)$/.exec(v.size);
    if (m) [cols, rows] = [Number(m[1]), Number(m[2])];
  }
  const ok = (n: number) => Number.isInteger(n) && n >= TERM_MIN && n <= TERM_MAX;
  return ok(cols) && ok(rows) ? { cols, rows } : undefined;
}
