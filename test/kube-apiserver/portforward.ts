/**
 * `pods/portforward`: SPDY/3.1 (`X-Stream-Protocol-Version: portforward.k8s.io`) directly, or tunnelled
 * in a websocket with subprotocol `SPDY/3.1+portforward.k8s.io` as kubectl 1.31+ does first. Each
 * forwarded connection is a pair of client streams with the same `requestid`: `error` (where a failure
 * to reach the port is written) and `data` (the bytes). The pod's ports are TCP ports on 127.0.0.1,
 * through `ports` when the test maps them.
 */
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { serveSpdy, type SpdyStream } from './spdy-server.js';

/** The websocket subprotocol of the SPDY-over-websocket tunnel. */
export const PORTFORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

// `ws` refuses a Sec-WebSocket-Protocol header whose values are not RFC 7230 tokens, and this one has a
// `/`; Go's websocket servers take it. The offer is checked here and stood in by a token for `ws`,
// which then answers with the real name.
const STAND_IN_TOKEN = 'spdy-3.1-portforward.k8s.io';
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) => (offered.has(STAND_IN_TOKEN) ? PORTFORWARD_TUNNEL_PROTOCOL : false),
});

/** Where a pod's port is served, and the pod's identity for error messages. */
export interface ForwardTarget {
  podName: string;
  uid: string;
  /** Pod port -> local port; a port absent here is 127.0.0.1:<port> itself. */
  ports: Record<number, number>;
}

function serveStreams(conn: Duplex, t: ForwardTarget): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  serveSpdy(conn, (s) => {
    s.on('error', () => undefined);
    const id = s.headers.requestid ?? '';
    const pair = pairs.get(id) ?? {};
    pairs.set(id, pair);
    if (s.headers.streamtype === 'error') pair.error = s;
    else if (s.headers.streamtype === 'data') pair.data = s;
    else {
      s.abort();
      return;
    }
    if (pair.error && pair.data) {
      pairs.delete(id);
      forward(pair.error, pair.data, Number(s.headers.port), t);
    }
  });
}

function forward(error: SpdyStream, data: SpdyStream, port: number, t: ForwardTarget): void {
  error.resume();
  const local = t.ports[port] ?? port;
  const sock = connect(local, '127.0.0.1');
  sock.on('connect', () => {
    data.pipe(sock);
    sock.pipe(data);
  });
  sock.on('error', (e) => {
    error.end(`an error occurred forwarding ${port} -> ${port}: error forwarding port ${port} to pod ${t.podName}, uid : failed to execute portforward in network namespace: failed to connect to localhost:${port} inside namespace: ${e.message}`);
    data.end();
  });
  data.on('error', () => sock.destroy());
  data.on('close', () => sock.destroy());
}

/** Completes a SPDY upgrade for port-forward. */
export function acceptPortForwardSpdy(socket: Duplex, head: Buffer, t: ForwardTarget): void {
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
  if (head.length > 0) socket.unshift(head);
  serveStreams(socket, t);
}

/** Completes a websocket upgrade carrying SPDY for port-forward. */
export function acceptPortForwardTunnel(req: IncomingMessage, socket: Duplex, head: Buffer, t: ForwardTarget): void {
  req.headers['sec-websocket-protocol'] = STAND_IN_TOKEN;
  wss.handleUpgrade(req, socket, head, (ws) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => undefined);
    serveStreams(stream, t);
  });
}
