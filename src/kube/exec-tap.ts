/**
 * What the recorder reads of an exec or attach stream: the protocol the API server agreed to (its
 * 101 answer's `Sec-WebSocket-Protocol`, or `X-Stream-Protocol-Version` for SPDY), and a tap fed
 * with the stream's bytes both ways that reports the terminal's output and resizes. The frames are
 * read by exec-stream.ts; a stream it cannot read is relayed unrecorded.
 */
import { execStreamTap } from './exec-stream.js';

/** Fed with the bytes after the 101 answer; never throws (a parse error stops the tap). */
export interface ExecTap {
  fromClient(chunk: Buffer): void;
  fromServer(chunk: Buffer): void;
}

/** What the tap reports. */
export interface ExecTapEvents {
  output(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** The command's exit code, from the status the API server wrote last (with its message when it failed). */
  exit?(code: number, error?: string): void;
}

/** The protocol named in a 101 answer's head: the websocket subprotocol, else the SPDY stream protocol, else `SPDY/3.1` when upgraded to SPDY. */
export function negotiatedProtocol(head: Buffer): string {
  const text = head.toString('latin1');
  const header = (name: string): string | undefined => new RegExp(`^${name}:[ \\t]*(.*?)[ \\t]*$`, 'im').exec(text)?.[1];
  const ws = header('Sec-WebSocket-Protocol');
  if (ws) return ws;
  const upgrade = header('Upgrade');
  if (upgrade && /^spdy\//i.test(upgrade)) return upgrade.toUpperCase();
  return header('X-Stream-Protocol-Version') ?? '';
}

/** A tap for `protocol`, or undefined when exec-stream.ts cannot read it (base64 channels, port-forward). */
export function execTap(protocol: string, on: ExecTapEvents): ExecTap | undefined {
  return execStreamTap(protocol, {
    output: (data) => on.output(data),
    resize: (cols, rows) => on.resize(cols, rows),
    status: (e) => on.exit?.(e.exitCode ?? (e.success ? 0 : 1), e.success ? undefined : (e.message ?? e.reason ?? 'the command failed')),
  });
}
