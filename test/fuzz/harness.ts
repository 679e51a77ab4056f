/**
 * The fuzz tests' harness: a seeded PRNG (mulberry32) so every case replays exactly, a case count
 * that `npm run fuzz` scales up, a per-case deadline, and the oracle all targets share ("a clear
 * typed error or success"). No dependency: fast-check would add shrinking, which these inputs do
 * not need to be read (each failure prints the case's input and how to replay it).
 *
 * Environment: FUZZ_SEED (default a fixed seed, so the suite is deterministic), FUZZ_SCALE
 * (multiplies case counts; default 1), FUZZ_CASE (run only that case index, to replay one),
 * FUZZ_SURVEY (print every failing case and go on, to list findings), FUZZ_VERBOSE (print outcomes).
 */
import { TeleportError, type ErrorCode } from '../../src/api/errors.js';

/** The seed of this run: FUZZ_SEED, or the suite's fixed one. */
export const SEED = parseSeed(process.env.FUZZ_SEED) ?? 0x17f0_2026;
/** Multiplier of every case count (npm run fuzz raises it). */
export const SCALE = Math.max(0.01, Number(process.env.FUZZ_SCALE ?? 1) || 1);
const ONLY = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);
const SURVEY = Boolean(process.env.FUZZ_SURVEY);

function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got "${text}"`);
  return n >>> 0;
}

/** `base` cases scaled by FUZZ_SCALE. */
export function caseCount(base: number): number {
  return Math.max(1, Math.round(base * SCALE));
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A seeded pseudo-random source with the helpers generators need. */
export class Rand {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A string of `n` characters drawn from `alphabet`. */
  text(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_.:/ '): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/** Options of one fuzz run. */
export interface FuzzOptions<T> {
  /** Names the target in failures; also separates its random stream from other targets'. */
  name: string;
  /** Cases before scaling. */
  cases: number;
  /** Builds case `i`'s input from its own stream (so FUZZ_CASE=i replays it alone). */
  gen(rnd: Rand, i: number): T;
  /** Runs one case; throws when the oracle is not met. */
  run(input: T, i: number): unknown;
  /** A case's input for the failure message (default: JSON, cut at 2,000 characters). */
  show?(input: T): string;
  /** Longest a case may take, sync or async (default 2 s). */
  deadlineMs?: number;
}

function defaultShow(input: unknown): string {
  const s = typeof input === 'string' ? JSON.stringify(input) : JSON.stringify(input, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v));
  return s === undefined ? String(input) : s.length > 2000 ? `${s.slice(0, 2000)}... (${s.length} characters)` : s;
}

/**
 * Runs the cases in order. An async case that has not settled by the deadline fails as a hang; a
 * sync one that took longer fails as too slow. A sync endless loop cannot be interrupted in-process:
 * targets that could loop (the YAML-based parsers) run in a worker through sync-target.ts instead. Resolves with the number of cases run; rejects with the first
 * failure, its input, and the command that replays it.
 */
export async function fuzz<T>(opts: FuzzOptions<T>): Promise<number> {
  const n = caseCount(opts.cases);
  const deadline = opts.deadlineMs ?? 2000;
  const base = (SEED ^ hash(opts.name)) >>> 0;
  let ran = 0;
  for (let i = 0; i < n; i++) {
    if (ONLY !== undefined && i !== ONLY) continue;
    const input = opts.gen(new Rand((base + Math.imul(i, 0x9e3779b9)) >>> 0), i);
    const started = performance.now();
    try {
      const out = opts.run(input, i);
      if (out instanceof Promise) await withDeadline(out, deadline);
      const took = performance.now() - started;
      if (took > deadline) throw new Error(`took ${Math.round(took)} ms, over the ${deadline} ms deadline`);
    } catch (err) {
      const shown = (opts.show ?? defaultShow)(input);
      if (SURVEY) {
        // Survey mode (FUZZ_SURVEY=1): list every failing case instead of stopping at the first.
        process.stderr.write(`SURVEY ${opts.name} case ${i}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n  input: ${shown.slice(0, 300)}\n`);
        continue;
      }
      const why = err instanceof Error ? (err.stack ?? err.message) : String(err);
      throw new Error(
        `fuzz ${opts.name}: case ${i} of ${n} failed (FUZZ_SEED=${SEED})\n  input: ${shown}\n  ${why}\n  replay: FUZZ_SEED=${SEED} FUZZ_CASE=${i} npx vitest run test/fuzz`,
        { cause: err },
      );
    }
    ran++;
  }
  return ran;
}

function withDeadline(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within the ${ms} ms deadline (a hang)`)), ms);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

/** Text that shows a raw system or JavaScript error leaked into a message meant for a person. */
const RAW = [
  /\bE[A-Z]{3,}\b[:,]/, // ENOENT: ..., EAI_AGAIN ...
  /getaddrinfo/,
  /Cannot read propert/,
  /is not a function/,
  /is not iterable/,
  /undefined is not/,
  /\[object Object\]/,
  /Maximum call stack/,
];

/**
 * The oracle for a refusal: one of our typed errors with a code in `codes` (never `internal`), and
 * a message that is text for a person, not a leaked system error. Throws when it is not.
 */
export function expectTypedError(err: unknown, codes: readonly ErrorCode[] = ['bad_parameter']): asserts err is TeleportError {
  if (!(err instanceof TeleportError)) {
    throw new Error(`expected a typed error (${codes.join('/')}), got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
  if (!codes.includes(err.code)) throw new Error(`expected code ${codes.join('/')}, got ${err.code}: ${err.message}`, { cause: err });
  checkMessage(err.message);
}

/** The oracle for a refusal reported by a worker (sync-target.ts): one of our typed errors, as expectTypedError. */
export function expectTypedOutcome(o: { typed: boolean; code?: string; message: string }, codes: readonly ErrorCode[] = ['bad_parameter']): void {
  if (!o.typed) throw new Error(`expected a typed error (${codes.join('/')}), got ${o.message}`);
  if (!codes.includes(o.code as ErrorCode)) throw new Error(`expected code ${codes.join('/')}, got ${o.code}: ${o.message}`);
  checkMessage(o.message);
}

/** Throws when a message meant for a person is empty or shows a raw system error. */
export function checkMessage(message: string): void {
  if (message.trim() === '') throw new Error('the error message is empty');
  const raw = RAW.find((re) => re.test(message));
  if (raw) throw new Error(`the message shows a raw error (${raw}): ${message}`);
}

/** With FUZZ_VERBOSE set, prints how a target's cases ended (to see a generator reaches both sides). */
export function report(name: string, counts: Record<string, number>): void {
  if (process.env.FUZZ_VERBOSE) process.stderr.write(`fuzz ${name} (seed ${SEED}): ${JSON.stringify(counts)}\n`);
}

/** A fuzz test's own timeout: a minute at the suite's scale, longer when npm run fuzz scales cases up. */
export const TEST_TIMEOUT_MS = Math.round(60_000 * Math.max(1, SCALE));
