/**
 * Starting the forwards of `tsh ssh -L/-R/-D` on a node connection, and stopping them together.
 * A forward that cannot start fails the command; a connection through one that fails later is
 * reported on stderr and the rest keep running.
 */
import {
  connectLocal,
  startDynamicForward,
  startLocalForward,
  type DynamicForwardSpec,
  type ForwardSpec,
} from '../../client/index.js';
import type { SSHClient } from '../../sshutils/index.js';
import type { CliIO } from '../framework/index.js';

/** The forwards asked for on the command line. */
export interface ForwardRequests {
  local: ForwardSpec[];
  remote: ForwardSpec[];
  dynamic: DynamicForwardSpec[];
}

/** Running forwards; `close` stops them all, safe to call twice. */
export interface RunningForwards {
  close(): Promise<void>;
}

/**
 * Start every forward. -L and -D bind `127.0.0.1` unless told otherwise; -R asks the node for
 * `localhost` as OpenSSH does, and prints the port when the node picked it (`-R 0:...`).
 */
export async function startForwards(client: SSHClient, req: ForwardRequests, io: CliIO): Promise<RunningForwards> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    await Promise.all(closers.splice(0).map((c) => c().catch(() => {})));
  };
  const warn = (what: string) => (err: unknown) => io.stderr.write(`${what}: ${(err as Error).message}\n`);
  try {
    for (const f of req.local) {
      const l = await startLocalForward(
        { bindHost: f.bindHost || '127.0.0.1', bindPort: f.bindPort, destHost: f.destHost, destPort: f.destPort },
        (host, port) => client.forwardOut(host, port),
        warn(`channel to ${f.destHost}:${f.destPort} failed`),
      );
      closers.push(() => l.close());
    }
    for (const d of req.dynamic) {
      const l = await startDynamicForward({ bindHost: d.bindHost || '127.0.0.1', bindPort: d.bindPort }, (host, port) => client.forwardOut(host, port));
      closers.push(() => l.close());
    }
    for (const r of req.remote) {
      const bind = r.bindHost || 'localhost';
      const l = await client.forwardIn(bind, r.bindPort, (stream) => connectLocal(stream, r.destHost, r.destPort, warn('remote forward')));
      if (r.bindPort === 0) io.stderr.write(`Allocated port ${l.port} for remote forward to ${r.destHost}:${r.destPort}\n`);
      closers.push(() => l.close());
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}
