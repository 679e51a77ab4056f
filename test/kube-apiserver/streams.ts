/**
 * The streams of an exec or attach, over either protocol kubectl speaks: a websocket with the
 * `v5.channel.k8s.io` or `v4.channel.k8s.io` subprotocol (one byte of channel before each binary
 * message: 0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize; v5 adds 255 <channel> to close a
 * stream), or a SPDY/3.1 upgrade (`X-Stream-Protocol-Version: v4.channel.k8s.io`) where the client
 * opens one stream per `streamtype` (error, stdin, stdout, stderr, resize).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveSpdy, type SpdyStream } from './spdy-server.js';

/** Which streams the request asked for (query parameters stdin, stdout, stderr, tty). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A v1 Status as written on the error channel (no kind/apiVersion, as the kubelet writes it). */
export interface ExitStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason: string; message: string }[] };
}

/**
 * The server's end of an exec/attach: emits `stdin` (Buffer), `stdin-end`, `resize` ({cols, rows})
 * and `gone` (the client went away); `finish` writes the status and closes.
 */
export interface ExecStreams {
  events: EventEmitter;
  protocol: string;
  /** Sends output; false when the client is behind and the producer should wait for `drained()`. */
  stdout(data: Buffer): boolean;
  stderr(data: Buffer): boolean;
  drained(): Promise<void>;
  finish(status: ExitStatus): void;
}

const WS_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 * 1024;
/** The websocket protocols the stand-in accepts for exec/attach. */
export const EXEC_WS_PROTOCOLS = WS_PROTOCOLS;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => WS_PROTOCOLS.find((p) => offered.has(p)) ?? false });

/** The websocket subprotocols a request offers. */
export function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function resizeEvent(events: EventEmitter, json: string): void {
  try {
    const r = JSON.parse(json) as { Width?: number; Height?: number };
    if (typeof r.Width === 'number' && typeof r.Height === 'number') events.emit('resize', { cols: r.Width, rows: r.Height });
  } catch {
    // a malformed resize is ignored, as the kubelet does
  }
}

/** Completes a websocket upgrade for exec/attach. */
export function acceptWebsocket(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<ExecStreams> {
  return new Promise((resolve) => {
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const events = new EventEmitter();
      const v5 = ws.protocol === 'v5.channel.k8s.io';
      ws.on('message', (data: Buffer, isBinary) => {
        if (!isBinary || data.length === 0) return;
        const ch = data[0]!;
        const body = data.subarray(1);
        if (ch === 0) events.emit('stdin', Buffer.from(body));
        else if (ch === 4) resizeEvent(events, body.toString());
        else if (ch === 255 && v5 && body[0] === 0) events.emit('stdin-end');
      });
      ws.on('close', () => events.emit('gone'));
      ws.on('error', () => events.emit('gone'));
      // Bytes handed to ws and not yet written to the socket: output waits while there are too many.
      let pending = 0;
      const waiters: (() => void)[] = [];
      const send = (ch: number, d: Buffer): boolean => {
        if (ws.readyState !== ws.OPEN) return true;
        pending += d.length;
        ws.send(Buffer.concat([Buffer.from([ch]), d]), () => {
          pending -= d.length;
          if (pending < LOW_WATER) waiters.splice(0).forEach((w) => w());
        });
        return pending < HIGH_WATER;
      };
      ws.on('close', () => waiters.splice(0).forEach((w) => w()));
      resolve({
        events,
        protocol: ws.protocol,
        stdout: (d) => send(1, d),
        stderr: (d) => send(2, d),
        drained: () => (pending < LOW_WATER || ws.readyState !== ws.OPEN ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
        finish: (status) => {
          send(3, Buffer.from(JSON.stringify(status)));
          if (ws.readyState === ws.OPEN) ws.close(1000);
        },
      });
    });
  });
}

/** Completes a SPDY/3.1 upgrade for exec/attach and waits for the streams `o` implies. */
export function acceptSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, o: StreamOptions): Promise<ExecStreams> {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n',
  );
  if (head.length > 0) socket.unshift(head);
  const want = new Set(['error', ...(o.stdin ? ['stdin'] : []), ...(o.stdout ? ['stdout'] : []), ...(o.stderr && !o.tty ? ['stderr'] : []), ...(o.tty ? ['resize'] : [])]);
  const streams = new Map<string, SpdyStream>();
  const events = new EventEmitter();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timed out waiting for client to create streams'));
    }, 30_000);
    const conn = serveSpdy(socket, (s) => {
      const type = s.headers.streamtype ?? '';
      streams.set(type, s);
      s.on('error', () => undefined);
      if (type === 'stdin') {
        s.on('data', (d: Buffer) => events.emit('stdin', d));
        s.on('end', () => events.emit('stdin-end'));
      } else if (type === 'resize') {
        let buf = '';
        s.on('data', (d: Buffer) => {
          buf += d.toString();
          for (let m = /^\s*(\{[^}]*\})/.exec(buf); m; m = /^\s*(\{[^}]*\})/.exec(buf)) {
            resizeEvent(events, m[1]!);
            buf = buf.slice(m[0].length);
          }
        });
      } else {
        s.resume();
      }
      if ([...want].every((w) => streams.has(w))) {
        clearTimeout(timer);
        resolve({
          events,
          protocol: 'v4.channel.k8s.io',
          stdout: (d) => streams.get('stdout')?.write(d) ?? true,
          stderr: (d) => (streams.get('stderr') ?? streams.get('stdout'))?.write(d) ?? true,
          drained: () => {
            const out = [streams.get('stdout'), streams.get('stderr')].filter((x): x is SpdyStream => x !== undefined && x.writableNeedDrain);
            return Promise.all(out.map((x) => new Promise<void>((r) => (x.once('drain', r), x.once('close', r))))).then(() => undefined);
          },
          finish: (status) => {
            const error = streams.get('error')!;
            error.write(JSON.stringify(status));
            let open = 0;
            for (const [t, st] of streams) {
              if (t === 'stdin' || t === 'resize') continue;
              open++;
              st.end(() => {
                if (--open === 0) conn.end();
              });
            }
          },
        });
      }
    });
    conn.on('close', () => {
      clearTimeout(timer);
      events.emit('gone');
    });
  });
}
