/**
 * One command or shell on a node, wired to the user's terminal: a PTY when asked for (raw mode,
 * window size changes passed on), stdin/stdout/stderr as bytes, and the remote exit status as
 * tsh's exit code (a signal gives 255, as OpenSSH does).
 */
import type { ExitStatus, SSHClient, SSHProcess } from '../../sshutils/index.js';
import type { CliIO } from '../framework/index.js';
import { byteSinks, type ByteSinks, type TshSystem } from './tsh-context.js';

/** What to run. */
export interface SessionOptions {
  /** Undefined: a login shell. */
  command?: string;
  pty: boolean;
  io: CliIO;
  sys: TshSystem;
}

/** tsh's exit code for a remote status. */
export function exitCodeOf(status: ExitStatus): number {
  if (status.signal !== undefined) return 255;
  // No exit-status at all: Teleport's tsh exits 1.
  return status.code < 0 ? 1 : status.code;
}

/** Run the session to its end; resolves with tsh's exit code. */
export async function runSession(client: SSHClient, o: SessionOptions): Promise<number> {
  const term = o.pty ? o.sys.terminal : undefined;
  const size = term?.size() ?? { cols: 80, rows: 24 };
  const pty = o.pty ? { term: o.io.env.TERM || 'xterm', cols: size.cols, rows: size.rows } : undefined;
  const proc = o.command === undefined ? await client.shell({ ...(pty && { pty }) }) : await client.exec(o.command, { ...(pty && { pty }) });
  const sinks = byteSinks(o.io, o.sys);
  if (proc.agentForwardRefused) o.io.stderr.write('WARNING: the node refused agent forwarding: the session runs without your agent.\n');
  let unsubscribe = () => {};
  if (term) {
    term.setRawMode(true);
    unsubscribe = term.onResize(() => {
      const s = term.size();
      proc.resize(s.cols, s.rows);
    });
  }
  try {
    return exitCodeOf(await pump(proc, o.io, sinks));
  } finally {
    unsubscribe();
    if (term) term.setRawMode(false);
    sinks.end();
  }
}

/** Copy stdin to the process and its output to the sinks until it exits. */
export async function pump(proc: SSHProcess, io: CliIO, sinks: ByteSinks): Promise<ExitStatus> {
  proc.stdout.on('data', (d: Buffer) => sinks.out(d));
  proc.stderr.on('data', (d: Buffer) => sinks.err(d));
  const stdin = io.stdin;
  const onData = (d: Buffer | string) => {
    if (!proc.stdin.write(d)) {
      stdin.pause();
      proc.stdin.once('drain', () => stdin.resume());
    }
  };
  const onEnd = () => proc.stdin.end();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  try {
    return await proc.exit;
  } finally {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    // Leave stdin as we found it: a paused stream lets the process exit.
    stdin.pause();
  }
}
