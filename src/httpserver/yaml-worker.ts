/**
 * Parses large YAML resource text in a worker thread, so that a megabyte of YAML (over a second of
 * CPU) does not hold every other request, terminal and SSH session of the process. Small texts are
 * parsed inline. The worker runs decodeYAMLStream's own source with the `yaml` package of
 * node_modules; it starts on first use, parses one text at a time and is ended by close().
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ConnectionProblemError, LimitExceededError } from '../api/errors.js';
import {
  MAX_RESOURCE_TEXT,
  MAX_YAML_ALIAS_COUNT,
  STRUCTURE_LIMITS,
  checkTextSize,
  decodeYAMLStream,
  isJSONText,
  parseResources,
  resourcesFromValues,
  yamlValues,
  type AnyResource,
  type StructureLimits,
  type YAMLDecodeResult,
} from '../api/types/index.js';
import YAML from 'yaml';

/** Texts of at least this many characters go to the worker. */
export const OFF_LOOP_THRESHOLD = 64 * 1024;
/** A parse that takes longer than this ends the worker and fails with LimitExceededError. */
const PARSE_TIMEOUT_MS = 30_000;

interface Job {
  text: string;
  resolve(r: YAMLDecodeResult): void;
  reject(err: unknown): void;
}

/** Options of YAMLWorker. */
export interface YAMLWorkerOptions {
  /** Default OFF_LOOP_THRESHOLD. */
  threshold?: number;
  limits?: StructureLimits;
}

/** Decodes YAML text off the event loop when it is large. One per server; close() is safe twice. */
export class YAMLWorker {
  private worker?: Worker;
  private readonly queue: Job[] = [];
  private busy?: Job;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: YAMLWorkerOptions = {}) {}

  /**
   * parseResources with large YAML decoded in the worker (JSON is parsed inline: V8's parser is fast
   * and the structure walk linear). Throws what parseResources throws.
   */
  async parseResources(text: string): Promise<AnyResource[]> {
    checkTextSize(text, MAX_RESOURCE_TEXT, 'the resource text');
    if (isJSONText(text) || text.length < (this.opts.threshold ?? OFF_LOOP_THRESHOLD)) return parseResources(text);
    return resourcesFromValues(yamlValues(await this.decode(text)));
  }

  /** The decoded documents or the refusal, as decodeYAMLStream returns them. */
  decode(text: string): Promise<YAMLDecodeResult> {
    const limits = this.opts.limits ?? STRUCTURE_LIMITS;
    if (text.length < (this.opts.threshold ?? OFF_LOOP_THRESHOLD)) return Promise.resolve(decodeYAMLStream(YAML, text, limits, MAX_YAML_ALIAS_COUNT));
    if (this.closed) return Promise.reject(new ConnectionProblemError('the server is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      this.next();
    });
  }

  /** Ends the worker; queued parses fail. */
  async close(): Promise<void> {
    this.closed = true;
    const err = new ConnectionProblemError('the server is shutting down');
    for (const job of this.queue.splice(0)) job.reject(err);
    await this.stop(err);
  }

  private next(): void {
    if (this.busy || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.busy = job;
    const worker = this.ensureWorker();
    this.timer = setTimeout(() => {
      void this.stop(new LimitExceededError(`the YAML text took longer than ${PARSE_TIMEOUT_MS / 1000} s to parse`));
    }, PARSE_TIMEOUT_MS);
    worker.postMessage({ text: job.text, limits: this.opts.limits ?? STRUCTURE_LIMITS, maxAliasCount: MAX_YAML_ALIAS_COUNT });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const yamlPath = createRequire(import.meta.url).resolve('yaml');
    const source = [
      "const { parentPort, workerData } = require('node:worker_threads');",
      'const yaml = require(workerData.yamlPath);',
      `const decode = (${decodeYAMLStream.toString()});`,
      'parentPort.on("message", (m) => parentPort.postMessage(decode(yaml, m.text, m.limits, m.maxAliasCount)));',
    ].join('\n');
    // A memory cap too: a hostile text may cost its parse, not the process.
    const worker = new Worker(source, { eval: true, workerData: { yamlPath }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    // Events of a worker already replaced (ended by a timeout) concern no current job.
    worker.on('message', (r: YAMLDecodeResult) => {
      if (this.worker === worker) this.finish((job) => job.resolve(r));
    });
    worker.on('error', (err) => {
      if (this.worker === worker) void this.stop(err);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.finish((job) => job.reject(new Error(`the YAML parser worker exited with code ${code}`)));
    });
    this.worker = worker;
    return worker;
  }

  private finish(settle: (job: Job) => void): void {
    clearTimeout(this.timer);
    const job = this.busy;
    this.busy = undefined;
    if (job) settle(job);
    this.next();
  }

  private async stop(err: unknown): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.finish((job) => job.reject(err));
    await worker?.terminate();
  }
}
