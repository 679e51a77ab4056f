/**
 * The session launcher: a small long-lived Node process (launcher-program.ts) that the node asks,
 * over an IPC channel, to start each session's program, so that fork() and exec() block that
 * process's event loop and not the node's. Piped processes come back as the sockets of their
 * stdin, stdout and stderr (file descriptors passed over the channel: their bytes never pass
 * through the launcher); terminals stay in the launcher (node-pty), their bytes relayed over the
 * channel. One launcher per node service, started on first use and started again when it dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { ConnectionProblemError } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import { launcherProgram } from './launcher-program.js';
import type { LaunchSpec, PipedProcess, ProcessEnd, ProcessLauncher, TerminalProcess } from './process-launcher.js';

/** Events from the launcher (launcher-program.ts has the protocol). */
interface LauncherEvent {
  ev: 'started' | 'stdio' | 'failed' | 'output' | 'exit';
  id: number;
  pid?: number;
  fd?: 0 | 1 | 2;
  message?: string;
  data?: Uint8Array;
  code?: number | null;
  signal?: number | string | null;
}

/** One started (or starting) session process, as the launcher reports on it. */
interface Pending {
  onEvent(e: LauncherEvent, handle: unknown): void;
  /** The launcher died: what became of this process is unknown. */
  onLost(): void;
}

/** How long the launcher may take to start a program before the session is refused. */
const START_TIMEOUT_MS = 30_000;

/** Options of a SessionLauncher. */
export interface SessionLauncherOptions {
  logger: Logger;
  /** The Node binary that runs the launcher; default this process's. */
  execPath?: string;
}

/** A ProcessLauncher backed by a launcher process. `close()` ends it; safe to call twice. */
export class SessionLauncher implements ProcessLauncher {
  private child: ChildProcess | undefined;
  private readonly live = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: SessionLauncherOptions) {}

  /** The launcher process's pid (started now if it is not running). */
  get pid(): number | undefined {
    return this.launcher().pid;
  }

  startPiped(spec: LaunchSpec): Promise<PipedProcess> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const stdio: [Writable?, Readable?, Readable?] = [];
      let pid = -1;
      let end: ((e: ProcessEnd) => void) | undefined;
      const exited = new Promise<ProcessEnd>((r) => (end = r));
      const timer = setTimeout(() => fail(new Error(`the session launcher did not start ${spec.file} within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        this.live.delete(id);
        reject(err);
      };
      this.live.set(id, {
        onEvent: (e, handle) => {
          if (e.ev === 'failed') return fail(new Error(e.message));
          if (e.ev === 'started') pid = e.pid ?? -1;
          if (e.ev === 'stdio') {
            stdio[e.fd!] = handle as Writable & Readable;
            if (stdio[0] && stdio[1] && stdio[2]) {
              clearTimeout(timer);
              resolve({ pid, stdin: stdio[0], stdout: stdio[1], stderr: stdio[2], exited, kill: (signal) => this.send({ op: 'kill', id, signal }) });
            }
          }
          if (e.ev === 'exit') {
            this.live.delete(id);
            end!(endOf(e));
          }
        },
        onLost: () => {
          if (stdio[0] && stdio[1] && stdio[2]) end!({ code: 255 });
          else fail(new ConnectionProblemError('the session launcher exited while starting the program'));
        },
      });
      this.send({ op: 'pipes', id, ...spec }, fail);
    });
  }

  startTerminal(spec: LaunchSpec & { term: string; cols: number; rows: number }): Promise<TerminalProcess> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      // Output that arrives before the session subscribes waits here (the prompt of a fast shell).
      const output = new PassThrough();
      let end: ((e: ProcessEnd) => void) | undefined;
      const exited = new Promise<ProcessEnd>((r) => (end = r));
      const timer = setTimeout(() => fail(new Error(`the session launcher did not start ${spec.file} within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        this.live.delete(id);
        reject(err);
      };
      const finish = (e: ProcessEnd): void => {
        this.live.delete(id);
        output.end();
        // The exit is reported once the output before it was handed on.
        output.once('end', () => end!(e));
        output.resume();
      };
      this.live.set(id, {
        onEvent: (e) => {
          if (e.ev === 'failed') return fail(new Error(e.message));
          if (e.ev === 'output') output.write(Buffer.from(e.data!.buffer, e.data!.byteOffset, e.data!.byteLength));
          if (e.ev === 'exit') finish(endOf(e));
          if (e.ev !== 'started') return;
          clearTimeout(timer);
          resolve({
            pid: e.pid ?? -1,
            onData: (cb) => void output.on('data', cb).resume(),
            write: (data) => this.send({ op: 'input', id, data }),
            resize: (cols, rows) => this.send({ op: 'resize', id, cols, rows }),
            pause: () => this.send({ op: 'pause', id }),
            resume: () => this.send({ op: 'resume', id }),
            kill: (signal) => this.send({ op: 'kill', id, signal }),
            exited,
          });
        },
        onLost: () => finish({ signal: 'SIGHUP' }),
      });
      this.send({ op: 'pty', id, ...spec }, fail);
    });
  }

  /** Ends the launcher (its terminals hang up). */
  close(): void {
    this.closed = true;
    this.child?.disconnect();
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }

  private send(m: Record<string, unknown>, onError?: (err: Error) => void): void {
    if (this.closed) {
      // The node is closing: its sessions' programs go with the launcher (a late kill is moot).
      onError?.(new ConnectionProblemError('the session launcher is closed'));
      return;
    }
    const child = this.launcher();
    if (!child.connected) {
      onError?.(new ConnectionProblemError('the session launcher is not running'));
      return;
    }
    child.send(m, (err: Error | null) => err && onError?.(err));
  }

  /** The running launcher, started when there is none. */
  private launcher(): ChildProcess {
    if (this.child) return this.child;
    if (this.closed) throw new ConnectionProblemError('the session launcher is closed');
    const nodePty = createRequire(import.meta.url).resolve('node-pty');
    const child = spawn(this.opts.execPath ?? process.execPath, ['-e', `(${launcherProgram.toString()})(require, ${JSON.stringify(nodePty)})`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    child.on('message', (e: LauncherEvent, handle: unknown) => this.live.get(e.id)?.onEvent(e, handle));
    child.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'session launcher failed'));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (!this.closed) this.opts.logger.warn({ code, signal, sessions: this.live.size }, 'session launcher exited; starting another for new sessions');
      const lost = [...this.live.values()];
      this.live.clear();
      for (const p of lost) p.onLost();
    });
    this.child = child;
    return child;
  }
}

function endOf(e: LauncherEvent): ProcessEnd {
  return e.signal !== null && e.signal !== undefined && e.signal !== 0 ? { signal: e.signal } : { code: e.code ?? 255 };
}
