/**
 * The one place where a thrown value becomes a message on stderr and an exit code, as Teleport's
 * `utils.FatalError` does: `ERROR: <message>` and exit 1. User errors (our typed errors) print no
 * stack; anything else is a bug and says how to get details.
 */
import { BadParameterError, TeleportError } from '../../api/errors.js';
import type { ErrorCode } from '../../api/errors.js';
import type { CliIO } from './io.js';

/** A command-line usage mistake (unknown flag, missing argument): printed as `ERROR: <kingpin text>`. */
export class UsageError extends BadParameterError {
  /** Full path of the command the parser had reached ('' for the app), for printing its usage. */
  readonly commandPath: string;
  constructor(message: string, commandPath = '') {
    super(message);
    this.commandPath = commandPath;
  }
}

/** Ends the CLI with this exit code and no message (for example a remote command's exit status). */
export class ExitCodeError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message = `exit status ${exitCode}`) {
    super(message);
    this.name = 'ExitCodeError';
    this.exitCode = exitCode;
  }
}

const USER_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad_parameter',
  'not_found',
  'already_exists',
  'access_denied',
  'connection_problem',
  'limit_exceeded',
  'compare_failed',
  'not_implemented',
]);

/** The hint printed after an unexpected error when not in debug mode. */
export const DEBUG_HINT = 'Run the command again with -d (--debug) for details.';

/** True when `err` is a user-facing error: one of ours with a code other than `internal`. */
export function isUserError(err: unknown): boolean {
  return err instanceof TeleportError && USER_CODES.has(err.code);
}

/**
 * Quote `s` as Go's `%q` does when it holds a non-printable character (an ANSI escape from a
 * hostile server must not reach the terminal); printable text is returned unchanged.
 */
export function escapeControl(s: string): string {
  const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;
  if (printable.test(s)) return s;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (printable.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

/** Escape control characters except newlines and tabs, line by line (Teleport's `AllowWhitespace`). */
export function allowWhitespace(s: string): string {
  return s
    .split(/([\n\t\v])/)
    .map((part, i) => (i % 2 === 1 ? part : escapeControl(part)))
    .join('');
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

function debugReport(err: unknown): string {
  const lines: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 10; depth++) {
    const prefix = depth === 0 ? '' : 'Caused by: ';
    lines.push(prefix + (cur instanceof Error && cur.stack ? cur.stack : messageOf(cur)));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return lines.join('\n') + '\n';
}

/**
 * Print `err` to `io.stderr` and return the exit code: ExitCodeError -> its code, silently; our
 * user errors -> `ERROR: <message>`, 1; anything else -> the same line plus DEBUG_HINT, or the
 * stack and causes when `debug`. `ERROR: ` is red when stderr is a terminal.
 */
export function reportError(err: unknown, io: CliIO, opts: { debug: boolean }): number {
  if (err instanceof ExitCodeError) return err.exitCode;
  const label = io.stderr.isTTY ? '\x1b[31mERROR: \x1b[0m' : 'ERROR: ';
  const msg = messageOf(err);
  let text = label + (msg === '' ? "please check Teleport's log for more details" : allowWhitespace(msg)) + '\n';
  if (!isUserError(err)) {
    text += opts.debug ? '\n' + debugReport(err) : DEBUG_HINT + '\n';
  } else if (opts.debug && !(err instanceof UsageError)) {
    text += '\n' + debugReport(err);
  }
  io.stderr.write(text);
  return 1;
}
