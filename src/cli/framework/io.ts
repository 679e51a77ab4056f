/**
 * The CLI io layer: every byte our CLIs print goes through a CliIO, so the same command code runs
 * against the real process (`processIO`, only in main.ts files) or in-process tests (`captureIO`).
 */
import { homedir } from 'node:os';
import { Readable } from 'node:stream';

/** An output stream as commands see it; `isTTY`/`columns` drive colors, prompts and table widths. */
export interface CliOutput {
  write(s: string): void;
  isTTY?: boolean;
  columns?: number;
}

/** Everything a CLI run may touch of its environment. */
export interface CliIO {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
}

function wrapStream(s: NodeJS.WriteStream): CliOutput {
  return {
    write: (chunk: string) => {
      s.write(chunk);
    },
    get isTTY() {
      return Boolean(s.isTTY);
    },
    get columns() {
      return s.isTTY ? s.columns : undefined;
    },
  };
}

/** The real process: stdio, `process.env`, the working directory and `os.homedir()`. */
export function processIO(): CliIO {
  return {
    stdout: wrapStream(process.stdout),
    stderr: wrapStream(process.stderr),
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    homeDir: homedir(),
  };
}

/** Options of captureIO; `env` replaces (does not extend) the process environment. */
export interface CaptureOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  homeDir?: string;
  /** Pretend stdout/stderr are terminals of this many columns. */
  tty?: { columns?: number };
}

/** A CliIO that records output, for in-process tests. */
export interface CapturedIO {
  io: CliIO;
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** Build an in-memory CliIO: stdin yields `opts.stdin` then ends; env defaults to empty. */
export function captureIO(opts: CaptureOptions = {}): CapturedIO {
  const outChunks: string[] = [];
  const errChunks: string[] = [];
  const tty = opts.tty !== undefined;
  const columns = opts.tty?.columns;
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]);
  const io: CliIO = {
    stdout: { write: (s) => void outChunks.push(s), isTTY: tty, columns },
    stderr: { write: (s) => void errChunks.push(s), isTTY: tty, columns },
    stdin,
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    homeDir: opts.homeDir ?? homedir(),
  };
  return { io, out: () => outChunks.join(''), err: () => errChunks.join('') };
}
