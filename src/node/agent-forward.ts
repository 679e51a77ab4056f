/**
 * SSH agent forwarding on the node: a unix socket in a private temp directory owned by the session's
 * user, each connection to it piped to a fresh `auth-agent@openssh.com` channel to the client.
 * The directory is removed when the session ends.
 */
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/index.js';
import type { OSUser } from './os-user.js';

/** A listening agent socket; `close` removes it and is safe to call twice. */
export interface AgentSocket {
  path: string;
  close(): Promise<void>;
}

/** Listen for the user's agent clients; each is served by `openAgent()`. */
export async function startAgentSocket(user: OSUser, openAgent: () => Promise<Duplex>, logger: Logger): Promise<AgentSocket> {
  const dir = await mkdtemp(join(tmpdir(), 'teleport-'));
  let server: Server | undefined;
  try {
    await chmod(dir, 0o700);
    await chown(dir, user.uid, user.gid);
    const path = join(dir, `teleport-${process.pid}.socket`);
    const clients = new Set<Socket>();
    server = createServer((sock) => {
      clients.add(sock);
      sock.on('close', () => clients.delete(sock));
      serveAgentClient(sock, openAgent, logger);
    });
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(path, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', (err) => logger.warn({ err: err.message }, 'agent socket error'));
    await chmod(path, 0o600);
    await chown(path, user.uid, user.gid);
    let closed: Promise<void> | undefined;
    return {
      path,
      close() {
        closed ??= (async () => {
          for (const c of clients) c.destroy();
          await new Promise<void>((resolve) => s.close(() => resolve()));
          await rm(dir, { recursive: true, force: true });
        })();
        return closed;
      },
    };
  } catch (err) {
    server?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function serveAgentClient(sock: Socket, openAgent: () => Promise<Duplex>, logger: Logger): void {
  sock.on('error', () => {});
  sock.pause();
  openAgent().then(
    (ch) => {
      ch.on('error', () => {});
      ch.on('close', () => sock.destroy());
      sock.on('close', () => ch.destroy());
      sock.pipe(ch).pipe(sock);
      sock.resume();
    },
    (err: Error) => {
      logger.debug({ err: err.message }, 'client refused the agent channel');
      sock.destroy();
    },
  );
}
