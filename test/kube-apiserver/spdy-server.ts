/**
 * The server side of a SPDY/3.1 connection, on spdy-transport (the SPDY implementation the `spdy`
 * package is built on). kubectl's streams are not HTTP requests: their SYN_STREAM headers are only
 * `streamtype` (and `port`, `requestid` for port-forward), while spdy-transport's parser insists on
 * `:method` and `:path`; the protocol entry registered here is spdy-transport's own SPDY protocol
 * with a parser that supplies those two pseudo-headers when they are absent.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';

/** A SPDY stream as spdy-transport hands it out: a Duplex with the peer's headers. */
export interface SpdyStream extends Duplex {
  id: number;
  headers: Record<string, string>;
  respond(status: number, headers: Record<string, string>, cb?: () => void): void;
  abort(code?: string, cb?: () => void): void;
}

/** A server SPDY connection. */
export interface SpdyConnection {
  on(event: 'stream', cb: (s: SpdyStream) => void): this;
  on(event: 'error' | 'close', cb: (e?: Error) => void): this;
  start(version: number): void;
  end(cb?: () => void): void;
  destroyStreams(err?: Error): void;
}

interface Parser {
  parseKVs(buffer: unknown, cb: (err: Error | null, headers?: Record<string, string>) => void): void;
}
interface Transport {
  protocol: Record<string, Record<string, unknown> & { parser: { create(o: unknown): Parser } }>;
  connection: { create(socket: Duplex, o: Record<string, unknown>): SpdyConnection };
}

const transport = createRequire(import.meta.url)('spdy-transport') as Transport;
const PROTOCOL = 'spdy-kube-streams';
const spdy = transport.protocol.spdy!;
transport.protocol[PROTOCOL] ??= {
  ...spdy,
  parser: {
    create(o: unknown): Parser {
      const p = spdy.parser.create(o);
      const parseKVs = p.parseKVs.bind(p);
      p.parseKVs = (buffer, cb) =>
        parseKVs(buffer, (err, headers) => {
          if (headers) {
            headers[':method'] ??= 'POST';
            headers[':path'] ??= '/';
          }
          cb(err, headers);
        });
      return p;
    },
  },
};

interface WindowSide {
  current: number;
  max: number;
  limit: number;
}
const UNLIMITED = Number.MAX_SAFE_INTEGER;
function unlimit(side: WindowSide | undefined): void {
  if (side) side.current = side.max = side.limit = UNLIMITED;
}
type Windowed = { _spdyState?: { window?: { send?: WindowSide } } };

/**
 * Serves SPDY/3.1 on `socket` (already upgraded): every stream the client opens is answered with a
 * SYN_REPLY and passed to `onStream`. The send windows are unlimited because Go's spdystream
 * (kubectl) does not send WINDOW_UPDATE frames: the
 * kubelet's SPDY server (spdystream too) does no flow control, so neither does this one.
 */
export function serveSpdy(socket: Duplex, onStream: (s: SpdyStream) => void): SpdyConnection {
  const conn = transport.connection.create(socket, { protocol: PROTOCOL, isServer: true, windowSize: 1 << 30, autoSpdy31: false });
  unlimit((conn as unknown as Windowed)._spdyState?.window?.send);
  conn.on('error', () => socket.destroy());
  conn.on('stream', (s) => {
    unlimit((s as unknown as Windowed)._spdyState?.window?.send);
    // The reply goes out before anything else on the stream (header compression is asynchronous, and a
    // status written at once would otherwise overtake the reply, which kubectl waits for).
    s.respond(200, {}, () => onStream(s));
  });
  return conn;
}
