/**
 * A session process without a terminal (exec, subsystems): stdin, stdout and stderr piped to the
 * channel (and stdout/stderr to the session's recording, when there is one), the client's EOF
 * closing stdin, and the exit status or signal reported at the end.
 */
import type { Readable } from 'node:stream';
import type { SSHChannel } from '../sshutils/index.js';
import type { UserCommand } from './os-user.js';
import type { ProcessLauncher } from './process-launcher.js';
import { osSignal, sshSignalName, type RunningProcess } from './running-process.js';
import type { OutputTap } from './session-recorder.js';

/** Where and with what the process runs. */
export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
}

/**
 * Start `cmd` on `ch` through `launcher`. A process that cannot start ends at once with status
 * 255 and a message on stderr.
 */
export async function startPipeProcess(launcher: ProcessLauncher, cmd: UserCommand, opts: SpawnOptions & { tap?: OutputTap }, ch: SSHChannel): Promise<RunningProcess> {
  let child;
  try {
    child = await launcher.startPiped({ file: cmd.file, args: cmd.args, cwd: opts.cwd, env: opts.env });
  } catch (err) {
    ch.stderr.write(`Failed to launch: ${(err as Error).message}.\r\n`);
    return { pid: -1, resize: () => {}, signal: () => true, done: Promise.resolve({ code: 255 }) };
  }
  child.stdin.on('error', () => {});
  ch.stream.pipe(child.stdin);
  if (opts.tap) {
    relayRecorded(child.stdout, ch.stream, opts.tap);
    relayRecorded(child.stderr, ch.stderr, opts.tap);
  } else {
    child.stdout.pipe(ch.stream, { end: false });
    child.stderr.pipe(ch.stderr, { end: false });
  }
  // The exit status is reported after the output pipes drained, so nothing is lost before it.
  const drained = (r: Readable) => new Promise<void>((resolve) => (r.readableEnded || r.destroyed ? resolve() : r.once('close', () => resolve())));
  const done = Promise.all([child.exited, drained(child.stdout), drained(child.stderr)]).then(([end]) =>
    end.signal !== undefined ? { signal: sshSignalName(end.signal) } : { code: end.code },
  );
  return {
    pid: child.pid,
    resize: () => {},
    signal(name) {
      const sig = osSignal(name);
      if (!sig) return false;
      child.kill(sig);
      return true;
    },
    done,
  };
}

/** Relays `src` to `dst` and the recording, reading on only when both have caught up (`dst` is not ended). */
function relayRecorded(src: Readable, dst: NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean }, tap: OutputTap): void {
  let held = 0;
  const hold = (until: Promise<void>): void => {
    if (held++ === 0) src.pause();
    void until.then(() => {
      if (--held === 0) src.resume();
    });
  };
  src.on('data', (d: Buffer) => {
    if (!tap.write(d)) hold(tap.drained());
    if (dst.destroyed || dst.writableEnded) return;
    if (!dst.write(d)) hold(new Promise((resolve) => dst.once('drain', () => resolve())));
  });
}
