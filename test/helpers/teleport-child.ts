/**
 * Multi-process clusters for failover tests: each member a real `bin/teleport start -c <config>`
 * child process with its own data dir, its addresses read from the banner it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The teleport entry the children run (built by the test setup). */
export const TELEPORT_BIN = resolve('bin/teleport');

/** A running child and the output it printed so far. */
export interface TeleportChild {
  name: string;
  proc: ChildProcess;
  out(): string;
  /** The address printed after `label` (e.g. /\[AUTH\]/), once the child printed it; throws if it exits first. */
  addr(label: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL, resolved once it exited. */
  kill9(): Promise<void>;
}

/** Starts `bin/teleport start` for a config of `yaml` lines under the usual teleport: header, in `dir/name`. */
export async function startTeleportChild(dir: string, name: string, yaml: string[]): Promise<TeleportChild> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  const configPath = join(d, 'teleport.yaml');
  await writeFile(configPath, ['version: v2', 'teleport:', `  nodename: ${name}`, `  data_dir: ${join(d, 'data')}`, '  log: {output: stderr, severity: ERROR}', ...yaml, ''].join('\n'));
  const proc = spawn(process.execPath, [TELEPORT_BIN, 'start', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  return {
    name,
    proc,
    out: () => out,
    async addr(label, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = new RegExp(`${label.source}.* on (\\S+?)\\.?\\n`).exec(out);
        if (m) return m[1].replace(/^0\.0\.0\.0:/, '127.0.0.1:');
        if (!running() || Date.now() > deadline) throw new Error(`${name} did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill9() {
      if (!running()) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
