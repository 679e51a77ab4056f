/**
 * Runs a synchronous function of targets.ts in a worker thread, one case at a time, so that a case
 * that never returns (an endless loop in a parser) is ended by its deadline instead of holding the
 * test process: the worker is terminated and the case fails as a hang. targets.ts is bundled with
 * esbuild (already a devDependency: the build uses it) into node_modules/.cache/fuzz, where its
 * packages resolve.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let bundled: string | undefined;

function bundle(): string {
  if (bundled) return bundled;
  const dir = join(ROOT, 'node_modules', '.cache', 'fuzz');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `targets-${process.pid}.mjs`);
  const result = buildSync({
    entryPoints: [join(ROOT, 'test', 'fuzz', 'targets.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  writeFileSync(out, result.outputFiles[0].text);
  bundled = out;
  return out;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url).then((mod) => {
  parentPort.on('message', ({ id, input }) => parentPort.postMessage({ id, out: mod[workerData.fn](input) }));
  parentPort.postMessage({ ready: true });
});
`;

/** One worker serving calls to `fn` of targets.ts. */
export class SyncTarget {
  private worker!: Worker;
  private next = 0;
  private closed = false;
  private respawning?: Promise<void>;

  private constructor(private readonly fn: string) {}

  /** Starts a worker for `fn` (an export of targets.ts). */
  static async start(fn: string): Promise<SyncTarget> {
    const t = new SyncTarget(fn);
    await t.spawn();
    return t;
  }

  private spawn(): Promise<void> {
    this.worker = new Worker(WORKER, { eval: true, workerData: { url: pathToFileURL(bundle()).href, fn: this.fn } });
    return new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.once('message', () => resolve());
    });
  }

  /** Calls `fn(input)` in the worker; rejects as a hang after `deadlineMs` (and starts a fresh worker). */
  call<T>(input: unknown, deadlineMs: number): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.worker.off('message', onMessage);
        this.respawning = this.worker.terminate().then(() => (this.closed ? undefined : this.spawn()));
        reject(new Error(`no result within the ${deadlineMs} ms deadline (a hang): the worker was ended`));
      }, deadlineMs);
      const onMessage = (m: { id?: number; out?: T }) => {
        if (m.id !== id) return;
        clearTimeout(timer);
        this.worker.off('message', onMessage);
        resolve(m.out as T);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ id, input });
    });
  }

  /** Ends the worker and removes this process's bundle. */
  async close(): Promise<void> {
    this.closed = true;
    await this.respawning;
    await this.worker.terminate();
    if (bundled) rmSync(bundled, { force: true });
    bundled = undefined;
  }
}
