/**
 * A session process without a terminal (exec, subsystems): stdin, stdout and stderr piped to the
 * channel (and stdout/stderr to the session's recording, when there is one), the client's EOF
 * closing stdin, and the exit status or signal reported at the end.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { SSHChannel } from '../sshutils/index.js';
import type { UserCommand } from './os-user.js';
import { osSignal, sshSignalName, type RunningProcess } from './running-process.js';
import type { OutputTap } from './session-recorder.js';

/** Where and with what the process runs. */
export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
}

/** Start `cmd` on `ch`. A process that cannot start ends with status 255 and a message on stderr. */
export function startPipeProcess(cmd: UserCommand, opts: SpawnOptions & { tap?: OutputTap }, ch: SSHChannel): RunningProcess {
  const child = spawn(cmd.file, cmd.args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  ch.stream.pipe(child.stdin);
  if (opts.tap) {
    relayRecorded(child.stdout, ch.stream, opts.tap);
    relayRecorded(child.stderr, ch.stderr, opts.tap);
  } else {
    child.stdout.pipe(ch.stream, { end: false });
    child.stderr.pipe(ch.stderr, { end: false });
  }
  const done = new Promise<{ code: number } | { signal: string }>((resolve) => {
    child.once('error', (err) => {
      ch.stderr.write(`Failed to launch: ${err.message}.\r\n`);
      resolve({ code: 255 });
    });
    // 'close' comes after the output pipes drained, so nothing is lost before the exit status.
    child.once('close', (code, signal) => resolve(signal ? { signal: sshSignalName(signal) } : { code: code ?? 255 }));
  });
  return {
    pid: child.pid ?? -1,
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
