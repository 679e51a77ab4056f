/**
 * How the node starts a session's program: the `ProcessLauncher` seam, and the in-process
 * implementation (`inProcessLauncher`: child_process and node-pty in the node's own process, whose
 * event loop blocks while each child forks and execs). The node service uses the launcher process
 * instead (session-launcher.ts); the in-process one serves callers that run no node service.
 */
import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import * as pty from 'node-pty';

/** How a process ended: its exit code, or the signal (a number or `SIGTERM`) that ended it. */
export type ProcessEnd = { code: number; signal?: undefined } | { signal: number | string; code?: undefined };

/** What runs and where. */
export interface LaunchSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** A process on three pipes. `exited` resolves at its exit (its output may still be in the pipes). */
export interface PipedProcess {
  pid: number;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  exited: Promise<ProcessEnd>;
  kill(signal: NodeJS.Signals): void;
}

/** A process on a terminal; `exited` resolves after its last output was handed to `onData`. */
export interface TerminalProcess {
  pid: number;
  onData(cb: (data: Buffer) => void): void;
  write(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** Stop reading the terminal until `resume` (backpressure). */
  pause(): void;
  resume(): void;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<ProcessEnd>;
}

/** Starts session programs. Each start rejects with the OS's reason when the program cannot start. */
export interface ProcessLauncher {
  startPiped(spec: LaunchSpec): Promise<PipedProcess>;
  startTerminal(spec: LaunchSpec & { term: string; cols: number; rows: number }): Promise<TerminalProcess>;
}

/** child_process and node-pty in this process. */
export const inProcessLauncher: ProcessLauncher = {
  startPiped(spec) {
    const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<ProcessEnd>((resolve) => child.once('exit', (code, signal) => resolve(signal ? { signal } : { code: code ?? 255 })));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () =>
        resolve({ pid: child.pid ?? -1, stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, exited, kill: (sig) => void child.kill(sig) }),
      );
    });
  },
  async startTerminal(spec) {
    const p = pty.spawn(spec.file, spec.args, { name: spec.term, cols: spec.cols, rows: spec.rows, cwd: spec.cwd, env: spec.env, encoding: null });
    // node-pty rethrows terminal errors unless two 'error' listeners exist; EIO is how a terminal
    // reports that its last process exited.
    const emitter = p as unknown as EventEmitter;
    emitter.on('error', () => {});
    emitter.on('error', () => {});
    return {
      pid: p.pid,
      onData: (cb) => void p.onData((d) => cb(d as unknown as Buffer)),
      write: (d) => p.write(d as unknown as string),
      resize: (cols, rows) => p.resize(cols, rows),
      pause: () => p.pause(),
      resume: () => p.resume(),
      kill: (sig) => p.kill(sig),
      exited: new Promise((resolve) => p.onExit(({ exitCode, signal }) => resolve(signal ? { signal } : { code: exitCode }))),
    };
  },
};
