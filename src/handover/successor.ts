/**
 * Reload by handover, as Teleport's graceful restart: the running process starts its successor
 * (the same program and arguments) with an IPC channel, passes it every listening socket, and
 * once the successor serves, stops accepting and lets its own connections finish. The protocol
 * on the channel: successor `hello` → predecessor one `listener` message per socket (the socket
 * attached) then `done` → successor starts on those sockets → `ready` (or exits on failure).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server as NetServer } from 'node:net';
import { ConnectionProblemError } from '../api/errors.js';
import { activeListeners, adoptInherited, closeUnclaimed } from './listeners.js';

/** The variable telling a process it is a successor expecting sockets. */
export const HANDOVER_ENV = 'TELEPORT_HANDOVER';

type Message = { t: 'hello' } | { t: 'ready' } | { t: 'listener'; key: string } | { t: 'done' };

/** How to start the successor (the running program by default). */
export interface SuccessorOptions {
  execPath?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long the successor may take to serve before it is killed and this process carries on. */
  timeoutMs?: number;
}

/**
 * Starts the successor and hands it the listening sockets; resolves with its pid once it serves.
 * Rejects with ConnectionProblemError when it exits or times out first (it is then killed, and
 * this process keeps serving as before).
 */
export function startSuccessor(o: SuccessorOptions = {}): Promise<number> {
  const child: ChildProcess = spawn(o.execPath ?? process.execPath, o.args ?? [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...(o.env ?? process.env), [HANDOVER_ENV]: '1' },
  });
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start serving within ${Math.round((o.timeoutMs ?? 60_000) / 1000)} s`), o.timeoutMs ?? 60_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(new ConnectionProblemError(`the new process ${why}; this one keeps serving`));
    };
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before serving`));
    child.on('message', (m: Message) => {
      if (m.t === 'hello') {
        for (const { key, server } of activeListeners()) child.send({ t: 'listener', key } satisfies Message, server);
        child.send({ t: 'done' } satisfies Message);
      } else if (m.t === 'ready') {
        clearTimeout(timer);
        child.removeAllListeners();
        child.disconnect();
        child.unref();
        resolve(child.pid ?? 0);
      }
    });
  });
}

/** The successor's side: whether this process was started by a predecessor to take over. */
export function isSuccessor(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[HANDOVER_ENV] === '1' && typeof process.send === 'function';
}

/**
 * In a successor, before the services start: asks the predecessor for its sockets and records
 * them for bindListener. Resolves when all have arrived; rejects after `timeoutMs`.
 */
export function receiveListeners(timeoutMs = 10_000): Promise<string[]> {
  delete process.env[HANDOVER_ENV];
  return new Promise<string[]>((resolve, reject) => {
    const keys: string[] = [];
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new ConnectionProblemError('the previous process did not hand over its sockets'));
    }, timeoutMs);
    const onMessage = (m: Message, handle?: unknown) => {
      if (m.t === 'listener' && handle) {
        adoptInherited(m.key, handle as NetServer);
        keys.push(m.key);
      } else if (m.t === 'done') {
        clearTimeout(timer);
        process.off('message', onMessage);
        resolve(keys);
      }
    };
    process.on('message', onMessage);
    process.send?.({ t: 'hello' } satisfies Message);
  });
}

/** In a successor that serves: tells the predecessor, closes sockets nobody took, drops the channel. */
export function announceReady(): string[] {
  const unclaimed = closeUnclaimed();
  process.send?.({ t: 'ready' } satisfies Message, () => process.disconnect?.());
  return unclaimed;
}
