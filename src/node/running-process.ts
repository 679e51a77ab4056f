/**
 * A session's process as the session handler drives it, whether it runs on a terminal or on
 * pipes: resize, relay signals, learn how it ended. Also signal names between SSH and the OS.
 */
import { constants } from 'node:os';
import type { ExitStatus } from '../sshutils/index.js';

/** A started process bound to its channel. */
export interface RunningProcess {
  readonly pid: number;
  /** Resize the terminal (no-op without one). */
  resize(cols: number, rows: number): void;
  /** Input from another party than the channel (a peer who joined the session); absent without a terminal. */
  write?(data: Buffer): void;
  /** Deliver an SSH signal name (`INT`, `TERM`...); false for a name we do not know. */
  signal(name: string): boolean;
  /** Resolves once the process has exited and its output has been handed to the channel. */
  readonly done: Promise<ExitStatus>;
}

/** `INT` → `SIGINT` when the OS knows it, else undefined. */
export function osSignal(sshName: string): NodeJS.Signals | undefined {
  const name = `SIG${sshName}`;
  return Object.hasOwn(constants.signals, name) ? (name as NodeJS.Signals) : undefined;
}

/** A signal number or `SIGTERM` as SSH names it (`TERM`). */
export function sshSignalName(signal: number | string): string {
  if (typeof signal === 'string') return signal.replace(/^SIG/, '');
  const found = Object.entries(constants.signals).find(([, n]) => n === signal);
  return found ? found[0].replace(/^SIG/, '') : `SIG${signal}`;
}
