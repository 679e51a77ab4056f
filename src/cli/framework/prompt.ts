/**
 * Interactive input from io.stdin: lines, yes/no confirmations and passwords (not echoed when
 * stdin is a terminal). One buffered reader per stream, so several prompts in a row never lose
 * input that arrived in the same chunk. Prompts go to stderr so stdout stays clean for scripts.
 */
import { StringDecoder } from 'node:string_decoder';
import { BadParameterError } from '../../api/errors.js';
import type { CliIO } from './io.js';
import { ExitCodeError } from './report-error.js';

type Take = (buf: string) => { consumed: number; value: string } | undefined;

/** Reads from a stream on demand and keeps what a read did not consume for the next one. */
class BufferedReader {
  private buf = '';
  private ended = false;
  private failure?: Error;
  private wake?: () => void;
  private readonly decoder = new StringDecoder('utf8');

  private readonly onData = (chunk: Buffer | string): void => {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.buf += this.decoder.end();
    this.ended = true;
    this.notify();
  };
  private readonly onError = (err: Error): void => {
    this.failure = err;
    this.notify();
  };

  constructor(private readonly stream: NodeJS.ReadableStream) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.pause();
  }

  /** Stops reading: what is buffered, and whether the stream has ended, for whoever reads on. */
  release(): { text: string; ended: boolean } {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    const text = this.buf;
    this.buf = '';
    return { text, ended: this.ended };
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolve with what `take` extracts, or undefined at end of input with nothing left. */
  async read(take: Take): Promise<string | undefined> {
    for (;;) {
      const got = take(this.buf);
      if (got) {
        this.buf = this.buf.slice(got.consumed);
        this.stream.pause();
        return got.value;
      }
      if (this.failure) throw this.failure;
      if (this.ended) {
        const last = this.buf;
        this.buf = '';
        return last === '' ? undefined : last;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.stream.resume();
      });
    }
  }
}

const readers = new WeakMap<NodeJS.ReadableStream, BufferedReader>();

function readerFor(stream: NodeJS.ReadableStream): BufferedReader {
  let r = readers.get(stream);
  if (!r) {
    r = new BufferedReader(stream);
    readers.set(stream, r);
  }
  return r;
}

/**
 * Hands a stream the prompts have read from over to another reader (a child process's stdin):
 * the input they buffered and did not consume, and whether the stream has already ended.
 */
export function releaseInput(stream: NodeJS.ReadableStream): { text: string; ended: boolean } {
  const r = readers.get(stream);
  if (!r) return { text: '', ended: false };
  readers.delete(stream);
  return r.release();
}

const takeLine: Take = (buf) => {
  const nl = buf.indexOf('\n');
  if (nl < 0) return undefined;
  return { consumed: nl + 1, value: buf.slice(0, nl).replace(/\r$/, '') };
};

/**
 * Write `prompt` (as given) to stderr and read one line from stdin, without its line ending.
 * Throws BadParameterError when stdin ends before any input.
 */
export async function readLine(io: CliIO, prompt = ''): Promise<string> {
  if (prompt !== '') io.stderr.write(prompt);
  const line = await readerFor(io.stdin).read(takeLine);
  if (line === undefined) throw new BadParameterError('stdin closed before any input was read');
  return line.replace(/\r?\n$/, '');
}

/** Ask `question [y/N]: ` (or `[Y/n]` when `defaultYes`); an empty answer takes the default. */
export async function confirm(io: CliIO, question: string, defaultYes = false): Promise<boolean> {
  const answer = (await readLine(io, `${question} ${defaultYes ? '[Y/n]' : '[y/N]'}: `)).trim().toLowerCase();
  if (answer === '') return defaultYes;
  return answer === 'y' || answer === 'yes';
}

interface RawCapable {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

const INTERRUPTED = '\0interrupted';
const END_OF_INPUT = '\0eof';

/**
 * Terminal line editing for a password typed in raw mode: Enter ends, Backspace erases, Ctrl-C
 * and Ctrl-D (on an empty line) give sentinels. Stateless: recomputed over the whole buffer.
 */
const takeSecret: Take = (buf) => {
  let secret = '';
  let i = 0;
  for (const ch of buf) {
    i += ch.length;
    if (ch === '\r' || ch === '\n') return { consumed: i, value: secret };
    if (ch === '\x03') return { consumed: i, value: INTERRUPTED };
    if (ch === '\x04' && secret === '') return { consumed: i, value: END_OF_INPUT };
    if (ch === '\x7f' || ch === '\b') secret = [...secret].slice(0, -1).join('');
    else if (ch >= ' ') secret += ch;
  }
  return undefined;
};

/**
 * Write `prompt` to stderr and read a password. On a terminal the input is not echoed (raw mode,
 * restored afterwards; Ctrl-C ends the CLI with exit code 130); otherwise one line is read.
 */
export async function readPassword(io: CliIO, prompt = ''): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadableStream & RawCapable;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return readLine(io, prompt);
  if (prompt !== '') io.stderr.write(prompt);
  stdin.setRawMode(true);
  let value: string | undefined;
  try {
    value = await readerFor(stdin).read(takeSecret);
  } finally {
    stdin.setRawMode(false);
    io.stderr.write('\n');
  }
  if (value === INTERRUPTED) throw new ExitCodeError(130, 'interrupted');
  if (value === undefined || value === END_OF_INPUT) throw new BadParameterError('stdin closed before a password was read');
  return value;
}
