/**
 * The program of the session launcher process (session-launcher.ts starts it): a small Node
 * process of its own that forks and execs the sessions' programs, so that the node's process (a
 * large heap, thousands of connections) never blocks in fork()/exec() itself.
 *
 * Protocol, over the IPC channel (advanced serialization, so Buffers travel as they are), one
 * request or event per message, each naming the session by `id`:
 *   node -> launcher: {op: 'pipes', id, file, args, cwd, env}  -- a process on three socket pipes
 *                     {op: 'pty', id, file, args, cwd, env, term, cols, rows}  -- on a terminal
 *                     {op: 'kill', id, signal} {op: 'resize', id, cols, rows} {op: 'input', id, data}
 *                     {op: 'pause', id} {op: 'resume', id}
 *   launcher -> node: {ev: 'started', id, pid} then, for pipes, {ev: 'stdio', id, fd: 0|1|2} three
 *                     times, each with the socket passed as the message's handle (the launcher
 *                     never reads from them: the node owns the streams from then on);
 *                     {ev: 'failed', id, message} when the program cannot start;
 *                     {ev: 'output', id, data} (terminals: output relayed through the launcher);
 *                     {ev: 'exit', id, code, signal} when the process has exited.
 * Messages with a handle and those without are delivered in the order sent, so 'exit' comes
 * after the stdio handles and a terminal's last output.
 *
 * This function is run as the whole program (`node -e`, from its source text): it must use only
 * its parameters and Node's globals, no imports and no helpers of a bundler.
 */
import type * as ChildProcessModule from 'node:child_process';
import type { EventEmitter } from 'node:events';
import type * as NodePty from 'node-pty';

/** What the launcher needs besides Node's globals: `require` and the path of node-pty. */
export function launcherProgram(require: NodeRequire, nodePtyPath: string): void {
  const { spawn } = require('node:child_process') as typeof ChildProcessModule;
  type Msg = Record<string, unknown> & { op: string; id: number };
  type Pty = NodePty.IPty & { pause(): void; resume(): void };
  const send = (m: Record<string, unknown>, handle?: unknown): void => {
    if (process.connected) (process.send as (m: unknown, h?: unknown) => void)(m, handle);
  };
  const kids = new Map<number, { kill(sig: string): void; resize?(c: number, r: number): void; write?(d: Buffer): void; pause?(): void; resume?(): void }>();
  let ptyModule: typeof NodePty | undefined;

  function startPipes(m: Msg): void {
    const child = spawn(m.file as string, m.args as string[], { cwd: m.cwd as string, env: m.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    // The node reads these: stop the reads the sockets started on creation, before any I/O runs.
    for (const s of [child.stdout, child.stderr]) (s as unknown as { _handle?: { readStop(): void } })._handle?.readStop();
    child.once('error', (err) => {
      kids.delete(m.id);
      send({ ev: 'failed', id: m.id, message: err.message });
    });
    child.once('spawn', () => {
      kids.set(m.id, { kill: (sig) => void child.kill(sig as NodeJS.Signals) });
      send({ ev: 'started', id: m.id, pid: child.pid });
      send({ ev: 'stdio', id: m.id, fd: 0 }, child.stdin);
      send({ ev: 'stdio', id: m.id, fd: 1 }, child.stdout);
      send({ ev: 'stdio', id: m.id, fd: 2 }, child.stderr);
      child.once('exit', (code, signal) => {
        kids.delete(m.id);
        send({ ev: 'exit', id: m.id, code, signal });
      });
    });
  }

  function startPty(m: Msg): void {
    ptyModule ??= require(nodePtyPath) as typeof NodePty;
    let p: Pty;
    try {
      p = ptyModule.spawn(m.file as string, m.args as string[], {
        name: m.term as string,
        cols: m.cols as number,
        rows: m.rows as number,
        cwd: m.cwd as string,
        env: m.env as Record<string, string>,
        encoding: null,
      }) as Pty;
    } catch (err) {
      send({ ev: 'failed', id: m.id, message: (err as Error).message });
      return;
    }
    // node-pty rethrows terminal errors unless two listeners exist; EIO is the last process exiting.
    const emitter = p as unknown as EventEmitter;
    emitter.on('error', () => {});
    emitter.on('error', () => {});
    kids.set(m.id, {
      kill: (sig) => p.kill(sig),
      resize: (c, r) => {
        try {
          p.resize(c, r);
        } catch {
          // The terminal is already gone.
        }
      },
      write: (d) => p.write(d as unknown as string),
      pause: () => p.pause(),
      resume: () => p.resume(),
    });
    send({ ev: 'started', id: m.id, pid: p.pid });
    p.onData((data) => send({ ev: 'output', id: m.id, data }));
    p.onExit(({ exitCode, signal }) => {
      kids.delete(m.id);
      send({ ev: 'exit', id: m.id, code: exitCode, signal: signal || null });
    });
  }

  process.on('message', (m: Msg) => {
    try {
      if (m.op === 'pipes') startPipes(m);
      else if (m.op === 'pty') startPty(m);
      else if (m.op === 'kill') kids.get(m.id)?.kill(m.signal as string);
      else if (m.op === 'resize') kids.get(m.id)?.resize?.(m.cols as number, m.rows as number);
      else if (m.op === 'input') kids.get(m.id)?.write?.(m.data as Buffer);
      else if (m.op === 'pause') kids.get(m.id)?.pause?.();
      else if (m.op === 'resume') kids.get(m.id)?.resume?.();
    } catch (err) {
      if (m.op === 'pipes' || m.op === 'pty') send({ ev: 'failed', id: m.id, message: (err as Error).message });
    }
  });
  // The node is gone (or closed us): nothing is left to launch for. Terminals hang up as their
  // masters close with this process; piped processes keep the node's ends of their pipes.
  process.on('disconnect', () => process.exit(0));
}
