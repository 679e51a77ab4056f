/**
 * Reading a `kubectl exec` / `kubectl attach` session off the bytes the kube service relays, for the
 * session recorder: the terminal's output (stdout, stderr), its size changes and the exit status.
 * Both protocols kubectl speaks are read after the 101 answer: a websocket with the
 * `v5.channel.k8s.io` or `v4.channel.k8s.io` (or older binary `channel.k8s.io`) subprotocol, where
 * each binary message's first byte is its channel (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize;
 * v5's 255 closes a channel), and SPDY/3.1, where the client opens a stream per `streamtype`.
 * The parser is pure and incremental; it never throws: bytes it cannot read end in one `error`
 * event, after which it reports nothing more (the relay goes on unrecorded).
 */
import { FrameError, WebSocketFrameReader } from './exec-stream-websocket.js';
import { SpdyFrameError, SpdyFrameReader } from './spdy-frames.js';

/** What an exec/attach stream carried. */
export type ExecStreamEvent =
  | { kind: 'stdout' | 'stderr' | 'stdin'; data: Buffer }
  | { kind: 'resize'; cols: number; rows: number }
  /** The status the API server wrote at the end: exit code 0 for Success, the command's code for NonZeroExitCode, undefined for other failures. */
  | { kind: 'status'; success: boolean; exitCode?: number; reason?: string; message?: string }
  | { kind: 'error'; message: string };

/** Both directions of one upgraded connection. */
export interface ExecStreamParser {
  /** Bytes the client (kubectl) sent after the 101 answer. */
  fromClient(chunk: Buffer): ExecStreamEvent[];
  /** Bytes the API server sent after its 101 answer's head. */
  fromServer(chunk: Buffer): ExecStreamEvent[];
}

/** The websocket subprotocols read here (binary channel protocols). */
export const WEBSOCKET_EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

const MAX_SMALL_MESSAGE = 64 * 1024;

/** Status JSON (v4 and later), or a v1-v3 plain error text, as a status event. */
export function statusEvent(text: string): ExecStreamEvent {
  let s: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  try {
    s = JSON.parse(text) as typeof s;
  } catch {
    return { kind: 'status', success: text.trim() === '', message: text };
  }
  if (s.status === 'Success') return { kind: 'status', success: true, exitCode: 0 };
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined && /^\d+$/.test(cause.message) ? Number(cause.message) : undefined;
  return {
    kind: 'status',
    success: false,
    ...(s.reason === 'NonZeroExitCode' && code !== undefined && { exitCode: code }),
    ...(s.reason !== undefined && { reason: s.reason }),
    ...(s.message !== undefined && { message: s.message }),
  };
}

/** Resize JSON objects (`{"Width":w,"Height":h}`) in `text`; returns the events and the unfinished tail. */
function resizes(text: string): { events: ExecStreamEvent[]; rest: string } {
  const events: ExecStreamEvent[] = [];
  let rest = text;
  for (let m = /^\s*(\{[^{}]*\})/.exec(rest); m; m = /^\s*(\{[^{}]*\})/.exec(rest)) {
    rest = rest.slice(m[0].length);
    try {
      const r = JSON.parse(m[1]!) as { Width?: unknown; Height?: unknown };
      if (Number.isInteger(r.Width) && Number.isInteger(r.Height) && (r.Width as number) > 0 && (r.Height as number) > 0) {
        events.push({ kind: 'resize', cols: r.Width as number, rows: r.Height as number });
      }
    } catch {
      // not a size: skipped, as the kubelet skips it
    }
  }
  if (rest.length > MAX_SMALL_MESSAGE) rest = '';
  return { events, rest };
}

/** Wraps a reader so that its first error becomes one `error` event and silence after it. */
function guarded(read: (chunk: Buffer) => ExecStreamEvent[]): (chunk: Buffer) => ExecStreamEvent[] {
  let failed = false;
  return (chunk) => {
    if (failed) return [];
    try {
      return read(chunk);
    } catch (e) {
      failed = true;
      const message = e instanceof FrameError || e instanceof SpdyFrameError ? e.message : `unreadable stream: ${(e as Error).message}`;
      return [{ kind: 'error', message }];
    }
  };
}

function websocketParser(): ExecStreamParser {
  const side = (fromClient: boolean) => {
    const reader = new WebSocketFrameReader();
    let channel = -1;
    let small: Buffer[] = [];
    let smallLen = 0;
    let resizeRest = '';
    return guarded((chunk) => {
      const events: ExecStreamEvent[] = [];
      for (const p of reader.push(chunk)) {
        let data = p.data;
        if (p.start) {
          channel = p.opcode === 2 && data.length > 0 ? data[0]! : -1;
          data = data.subarray(1);
          small = [];
          smallLen = 0;
        }
        if (fromClient && channel === 0 && data.length > 0) events.push({ kind: 'stdin', data });
        else if (!fromClient && (channel === 1 || channel === 2) && data.length > 0) events.push({ kind: channel === 1 ? 'stdout' : 'stderr', data });
        else if ((fromClient && channel === 4) || (!fromClient && channel === 3)) {
          if (smallLen + data.length <= MAX_SMALL_MESSAGE) {
            small.push(data);
            smallLen += data.length;
          }
          if (p.end) {
            const text = Buffer.concat(small, smallLen).toString('utf8');
            if (channel === 3) events.push(statusEvent(text));
            else {
              const r = resizes(resizeRest + text);
              resizeRest = r.rest;
              events.push(...r.events);
            }
          }
        }
      }
      return events;
    });
  };
  return { fromClient: side(true), fromServer: side(false) };
}

function spdyParser(): ExecStreamParser {
  // Stream types by id, learnt from the client's SYN_STREAMs.
  const types = new Map<number, string>();
  const errorText = new Map<number, Buffer[]>();
  let resizeRest = '';
  const client = new SpdyFrameReader();
  const server = new SpdyFrameReader();
  return {
    fromClient: guarded((chunk) => {
      const events: ExecStreamEvent[] = [];
      for (const f of client.push(chunk)) {
        if (f.type === 'syn_stream') types.set(f.streamId, f.headers.streamtype ?? '');
        else if (f.type === 'data') {
          const t = types.get(f.streamId);
          if (t === 'stdin' && f.data.length > 0) events.push({ kind: 'stdin', data: f.data });
          else if (t === 'resize') {
            const r = resizes(resizeRest + f.data.toString('utf8'));
            resizeRest = r.rest;
            events.push(...r.events);
          }
        }
      }
      return events;
    }),
    fromServer: guarded((chunk) => {
      const events: ExecStreamEvent[] = [];
      for (const f of server.push(chunk)) {
        if (f.type !== 'data') continue;
        const t = types.get(f.streamId);
        if ((t === 'stdout' || t === 'stderr') && f.data.length > 0) events.push({ kind: t, data: f.data });
        else if (t === 'error') {
          const parts = errorText.get(f.streamId) ?? [];
          if (parts.reduce((n, b) => n + b.length, 0) + f.data.length <= MAX_SMALL_MESSAGE) parts.push(f.data);
          errorText.set(f.streamId, parts);
          if (f.fin) {
            errorText.delete(f.streamId);
            const text = Buffer.concat(parts).toString('utf8');
            if (text !== '') events.push(statusEvent(text));
          }
        }
      }
      return events;
    }),
  };
}

/**
 * A parser for the protocol the API server agreed to: a websocket subprotocol (`v5.channel.k8s.io`,
 * `v4.channel.k8s.io`, ...) or `SPDY/3.1` (the Upgrade header of a SPDY answer; its
 * X-Stream-Protocol-Version does not change the framing). Undefined for a protocol it cannot read (base64 channels, port-forward).
 */
export function createExecStreamParser(protocol: string): ExecStreamParser | undefined {
  const p = protocol.trim();
  if (WEBSOCKET_EXEC_PROTOCOLS.includes(p)) return websocketParser();
  if (/^spdy\/3(\.1)?$/i.test(p)) return spdyParser();
  return undefined;
}

/** What a recorder does with a session's events (the kube service's ExecTapEvents has this shape). */
export interface ExecStreamSink {
  output(data: Buffer, stream: 'stdout' | 'stderr'): void;
  resize(cols: number, rows: number): void;
  status?(e: Extract<ExecStreamEvent, { kind: 'status' }>): void;
  error?(message: string): void;
}

/**
 * The parser as a tap for a relay: feed it both directions' bytes after the 101 answer, and it calls
 * `sink` in stream order. Never throws (a sink that throws is the caller's bug and is not caught).
 */
export function execStreamTap(protocol: string, sink: ExecStreamSink): { fromClient(chunk: Buffer): void; fromServer(chunk: Buffer): void } | undefined {
  const p = createExecStreamParser(protocol);
  if (!p) return undefined;
  const deliver = (events: ExecStreamEvent[]) => {
    for (const e of events) {
      if (e.kind === 'stdout' || e.kind === 'stderr') sink.output(e.data, e.kind);
      else if (e.kind === 'resize') sink.resize(e.cols, e.rows);
      else if (e.kind === 'status') sink.status?.(e);
      else if (e.kind === 'error') sink.error?.(e.message);
    }
  };
  return { fromClient: (c) => deliver(p.fromClient(c)), fromServer: (c) => deliver(p.fromServer(c)) };
}
