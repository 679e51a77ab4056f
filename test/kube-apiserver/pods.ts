/**
 * What runs "in" a stand-in pod: each pod has a temp directory that is the working directory and
 * HOME of its processes, which are real child processes of the test (under node-pty when a TTY is
 * asked for), so `tar`, `cat`, `sh` and `head -c` behave as in a container. A pod may have a main
 * process (its `command`), started when the pod is added, whose output is the pod's log and to which
 * `kubectl attach` connects; otherwise the log is what the test appends.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import * as pty from 'node-pty';

/** A process started in a pod: its output, input, resize and exit. */
export interface PodProcess {
  /** Emits `stdout` and `stderr` (Buffer), then `exit` (code). */
  events: EventEmitter;
  write(data: Buffer): void;
  endInput(): void;
  resize(cols: number, rows: number): void;
  kill(): void;
  /** Stops and restarts reading the process's output (backpressure from a slow client). */
  pause(): void;
  resume(): void;
  exited: Promise<number>;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The executable `cmd` names (PATH search as execvp), or undefined when there is none. */
export function lookPath(cmd: string, cwd: string): string | undefined {
  const candidates = cmd.includes('/') ? [isAbsolute(cmd) ? cmd : join(cwd, cmd)] : PATH.split(delimiter).map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Starts `command` in `dir` (the caller checked it resolves), under a PTY of `size` when `tty`. */
export function startProcess(o: { command: string[]; dir: string; tty: boolean; size?: { cols: number; rows: number }; hostname: string }): PodProcess {
  const events = new EventEmitter();
  const env = { PATH, HOME: o.dir, HOSTNAME: o.hostname, ...(o.tty ? { TERM: 'xterm' } : {}) };
  const [file, ...args] = o.command as [string, ...string[]];
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  if (o.tty) {
    const p = pty.spawn(file, args, { cwd: o.dir, env, cols: o.size?.cols ?? 80, rows: o.size?.rows ?? 24, name: 'xterm' });
    p.onData((d) => events.emit('stdout', Buffer.from(d, 'utf8')));
    p.onExit(({ exitCode }) => {
      events.emit('exit', exitCode);
      resolveExit(exitCode);
    });
    return {
      events,
      exited,
      write: (d) => p.write(d.toString('utf8')),
      // A TTY has no half-close: end of input is the terminal's EOF character.
      endInput: () => p.write('\x04'),
      resize: (cols, rows) => {
        try {
          p.resize(cols, rows);
        } catch {
          // exited
        }
      },
      kill: () => p.kill(),
      pause: () => p.pause(),
      resume: () => p.resume(),
    };
  }
  const c = spawn(file, args, { cwd: o.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  c.stdout.on('data', (d: Buffer) => events.emit('stdout', d));
  c.stderr.on('data', (d: Buffer) => events.emit('stderr', d));
  c.stdin.on('error', () => undefined);
  // 'close' comes after both output pipes have ended, so no output follows the exit.
  c.on('close', (status, signal) => {
    const code = status ?? (signal ? 137 : 1);
    events.emit('exit', code);
    resolveExit(code);
  });
  return {
    events,
    exited,
    write: (d) => c.stdin.write(d),
    endInput: () => c.stdin.end(),
    resize: () => undefined,
    kill: () => c.kill('SIGKILL'),
    pause: () => {
      c.stdout.pause();
      c.stderr.pause();
    },
    resume: () => {
      c.stdout.resume();
      c.stderr.resume();
    },
  };
}

/** A pod's runtime state: its directory, main process and log. */
export class PodRuntime {
  readonly events = new EventEmitter();
  private log: Buffer[] = [];
  main?: PodProcess;
  mainExit?: number;

  constructor(
    readonly dir: string,
    readonly name: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.events.setMaxListeners(0);
  }

  /** Appends to the pod's log (what `kubectl logs` prints); followers see it at once. */
  appendLog(data: Buffer | string): void {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
    this.log.push(b);
    this.events.emit('log', b);
  }

  /** The log so far. */
  logBytes(): Buffer {
    return Buffer.concat(this.log);
  }

  /** Starts the pod's main process; its output becomes the log and goes to attached clients. */
  startMain(command: string[], tty: boolean): void {
    this.main = startProcess({ command, dir: this.dir, tty, hostname: this.name });
    const out = (d: Buffer) => this.appendLog(d);
    this.main.events.on('stdout', out);
    this.main.events.on('stderr', out);
    this.main.events.on('exit', (code: number) => {
      this.mainExit = code;
      this.events.emit('main-exit', code);
    });
  }

  /** Stops the main process. */
  close(): void {
    this.main?.kill();
  }
}
