/**
 * A session process without a terminal (exec, subsystems): stdin, stdout and stderr piped to the
 * channel, the client's EOF closing stdin, and the exit status or signal reported at the end.
 */
import { spawn } from 'node:child_process';
import type { SSHChannel } from '../sshutils/index.js';
import type { UserCommand } from './os-user.js';
import { osSignal, sshSignalName, type RunningProcess } from './running-process.js';

/** Where and with what the process runs. */
export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
}

/** Start `cmd` on `ch`. A process that cannot start ends with status 255 and a message on stderr. */
export function startPipeProcess(cmd: UserCommand, opts: SpawnOptions, ch: SSHChannel): RunningProcess {
  const child = spawn(cmd.file, cmd.args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  ch.stream.pipe(child.stdin);
  child.stdout.pipe(ch.stream, { end: false });
  child.stderr.pipe(ch.stderr, { end: false });
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
