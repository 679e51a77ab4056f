/**
 * The listening sockets of this OS process, by the address the config asked for, and the ones a
 * predecessor handed over at reload. Process-wide by nature: listening sockets, like signals,
 * belong to the OS process, and a reload moves them from one process to the next. Every service
 * listener binds through `bindListener`, so a new process takes the old one's sockets instead of
 * binding again: no moment without a listener, no connection refused.
 */
import type { Server as NetServer, Socket } from 'node:net';

/**
 * What a listener's open connections do when a successor takes over: `drain` keeps them until
 * they end (sessions, requests in flight); `drop` ends them at once, for clients that reconnect by
 * themselves and must reach the new process (agents' tunnels, hosts' watch streams on the auth API).
 */
export type HandoverPolicy = 'drain' | 'drop';

interface Bound {
  key: string;
  server: NetServer;
  policy: HandoverPolicy;
  sockets: Set<Socket>;
}

/**
 * Sockets a predecessor handed over and no listener has taken yet, by `host:port`. Node accepts
 * on a received socket at once: the connections it takes before a listener is bound wait here.
 */
const inherited = new Map<string, { server: NetServer; waiting: Socket[] }>();
/** Every listener bound through bindListener and still open. */
const active = new Set<Bound>();
/** Connections of `drain` listeners that are to be dropped all the same (a tunnel on the web port). */
const droppable = new WeakSet<Socket>();

/** The key of a configured address (port 0 is never handed over: the next bind picks anew). */
export function listenerKey(host: string, port: number): string {
  return `${host}:${port}`;
}

/**
 * Starts `server` listening on host:port, on the inherited socket of that address when a
 * predecessor handed one over, else by binding. Rejects with the bind error (EADDRINUSE...).
 */
export function bindListener(server: NetServer, host: string, port: number, policy: HandoverPolicy = 'drain'): Promise<void> {
  const key = listenerKey(host, port);
  const handle = port !== 0 ? inherited.get(key) : undefined;
  if (handle) inherited.delete(key);
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    server.once('error', fail);
    const done = () => {
      server.off('error', fail);
      const entry: Bound = { key, server, policy, sockets: new Set() };
      active.add(entry);
      server.on('connection', (sock: Socket) => {
        entry.sockets.add(sock);
        sock.once('close', () => entry.sockets.delete(sock));
      });
      server.once('close', () => active.delete(entry));
      resolve();
    };
    if (!handle) {
      server.listen(port, host, done);
      return;
    }
    // Listening on the received server takes over its handle (its accept callback becomes ours);
    // connections it accepted meanwhile are handed to this server as if it had accepted them.
    server.listen(handle.server, () => {
      handle.server.removeAllListeners('connection');
      done();
      for (const sock of handle.waiting) server.emit('connection', sock);
    });
  });
}

/** The open listeners, for handing over to a successor. */
export function activeListeners(): readonly { key: string; server: NetServer }[] {
  return [...active].map(({ key, server }) => ({ key, server }));
}

/** Marks a connection of a `drain` listener to be dropped at handover (its client reconnects). */
export function dropAtHandover(sock: Socket): void {
  droppable.add(sock);
}

/** Records a socket a predecessor handed over. */
export function adoptInherited(key: string, server: NetServer): void {
  const waiting: Socket[] = [];
  server.on('connection', (sock: Socket) => waiting.push(sock));
  inherited.set(key, { server, waiting });
}

/** Closes the handed-over sockets no listener took (the new config dropped those addresses). */
export function closeUnclaimed(): string[] {
  const keys = [...inherited.keys()];
  for (const { server, waiting } of inherited.values()) {
    server.close();
    for (const sock of waiting) sock.destroy();
  }
  inherited.clear();
  return keys;
}

/**
 * Stops accepting on every listener of this process (a successor holds its own copies of the
 * sockets and accepts from now on), drops the connections whose clients reconnect by themselves,
 * and resolves when every kept connection has ended. `tick` runs every second meanwhile (to log).
 */
export async function stopAndDrain(tick?: (open: number) => void): Promise<void> {
  const bound = [...active];
  active.clear();
  const closed = bound.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
  const sweep = () => {
    for (const b of bound) {
      for (const sock of b.sockets) if (b.policy === 'drop' || droppable.has(sock)) sock.destroy();
      (b.server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    }
  };
  sweep();
  const timer = setInterval(() => {
    sweep();
    tick?.(bound.reduce((n, b) => n + b.sockets.size, 0));
  }, 1000);
  try {
    await Promise.all(closed);
  } finally {
    clearInterval(timer);
  }
}
