/**
 * The one structured logger: pino with a `component` field per module. Static messages, variables
 * as snake_case fields. Tests use `silentLogger`.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { createWriteStream } from 'node:fs';

/** The logger type every component takes in its options. */
export type Logger = PinoLogger;

/** Where and how much to log, as `teleport.log` in teleport.yaml says. */
export interface LogOptions {
  /** `stderr` (default), `stdout`, or a file path. `syslog` falls back to stderr. */
  output?: string;
  /** DEBUG, INFO, WARN, ERROR (case-insensitive). */
  severity?: string;
  /** `text` (default) or `json`. */
  format?: 'text' | 'json';
}

const LEVELS: Record<string, string> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', trace: 'trace' };

/** Creates the process logger. */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = LEVELS[(opts.severity ?? 'info').toLowerCase()] ?? 'info';
  const out = opts.output ?? 'stderr';
  const dest: NodeJS.WritableStream =
    out === 'stdout' ? process.stdout : out === 'stderr' || out === 'syslog' ? process.stderr : createWriteStream(out, { flags: 'a' });
  if (opts.format === 'json') return pino({ level, base: null }, dest);
  return pino({ level, base: null, timestamp: false }, textStream(dest));
}

/** Human-readable lines: `2026-01-02T15:04:05Z INFO [auth] message key=value`. */
function textStream(dest: NodeJS.WritableStream): NodeJS.WritableStream {
  const names: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  return {
    write(chunk: string): boolean {
      let line = chunk;
      try {
        const { level, msg, component, ...rest } = JSON.parse(chunk) as Record<string, unknown>;
        const fields = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
          .join(' ');
        line = `${new Date().toISOString()} ${names[level as number] ?? level} ${component ? `[${String(component)}] ` : ''}${String(msg)}${fields ? ' ' + fields : ''}\n`;
      } catch {
        // Not JSON: pass through as is.
      }
      return dest.write(line);
    },
  } as NodeJS.WritableStream;
}

/** A logger that drops everything. */
export const silentLogger: Logger = pino({ level: 'silent' });
