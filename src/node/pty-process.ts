/**
 * A session process on a pseudo-terminal (node-pty): sized and typed from the client's pty-req,
 * resized on window-change, output relayed with backpressure (to the channel and to the session's
 * recording, when there is one), SSH_TTY set to the terminal's name.
 */
import type { SSHChannel } from '../sshutils/index.js';
import type { SpawnOptions } from './pipe-process.js';
import type { ProcessLauncher } from './process-launcher.js';
import { osSignal, sshSignalName, type RunningProcess } from './running-process.js';
import type { OutputTap } from './session-recorder.js';

/** The terminal as the client asked for it. */
export interface TerminalSize {
  term: string;
  cols: number;
  rows: number;
}

// The terminal's name is known only once it exists: a tiny sh prologue (running as the user)
// exports SSH_TTY and then becomes the real program.
const SSH_TTY_PROLOGUE = 'SSH_TTY=$(tty) && export SSH_TTY; exec "$@"';

/** The argv that runs `argv` with SSH_TTY set, for `startPtyProcess`. */
export function withSSHTTY(argv: string[]): string[] {
  return ['/bin/sh', '-c', SSH_TTY_PROLOGUE, 'sh', ...argv];
}

/** Start `file args` on a new terminal bound to `ch`, through `launcher`. Rejects when it cannot start. */
export async function startPtyProcess(
  launcher: ProcessLauncher,
  file: string,
  args: string[],
  opts: SpawnOptions & TerminalSize & { tap?: OutputTap },
  ch: SSHChannel,
): Promise<RunningProcess> {
  let cols = clampSize(opts.cols, 80);
  let rows = clampSize(opts.rows, 24);
  const p = await launcher.startTerminal({ file, args, cwd: opts.cwd, env: opts.env, term: opts.term || 'xterm', cols, rows });

  // The terminal is read again once the channel and the recording have both caught up.
  let held = 0;
  const hold = (until: Promise<void>): void => {
    if (held++ === 0) p.pause();
    void until.then(() => {
      if (--held === 0) p.resume();
    });
  };
  const tap = opts.tap;
  p.onData((buf) => {
    if (tap && !tap.write(buf)) hold(tap.drained());
    if (!ch.stream.write(buf)) hold(new Promise((resolve) => ch.stream.once('drain', () => resolve())));
  });
  ch.stream.on('data', (d: Buffer) => p.write(d));
  const done = p.exited.then((end) => (end.signal !== undefined ? { signal: sshSignalName(end.signal) } : { code: end.code }));
  return {
    pid: p.pid,
    resize(c, r) {
      cols = clampSize(c, cols);
      rows = clampSize(r, rows);
      try {
        p.resize(cols, rows);
      } catch {
        // The terminal is already gone.
      }
    },
    write(data) {
      p.write(data);
    },
    signal(name) {
      const sig = osSignal(name);
      if (!sig) return false;
      p.kill(sig);
      return true;
    },
    done,
  };
}

/** A terminal dimension the kernel accepts; `fallback` for 0 or nonsense. */
function clampSize(n: number, fallback: number): number {
  return Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : fallback;
}
