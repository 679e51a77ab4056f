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
  /**
   * `format.extra_fields`: which of `timestamp`, `level` and `component` each line carries (empty:
   * all). `caller` is accepted, as Teleport's samples list it, and adds nothing: lines carry no caller.
   */
  extraFields?: string[];
}

const LEVELS: Record<string, string> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', trace: 'trace' };

/** Creates the process logger. */
export function createLogger(opts: LogOptions = {}): Logger {
  const level = LEVELS[(opts.severity ?? 'info').toLowerCase()] ?? 'info';
  const out = opts.output ?? 'stderr';
  const dest: NodeJS.WritableStream =
    out === 'stdout' ? process.stdout : out === 'stderr' || out === 'syslog' ? process.stderr : createWriteStream(out, { flags: 'a' });
  const fields = lineFields(opts.extraFields);
  if (opts.format === 'json') return pino({ level, base: null, timestamp: fields.timestamp }, jsonStream(dest, fields));
  return pino({ level, base: null, timestamp: false }, textStream(dest, fields));
}

/** Which optional parts a line has. */
export interface LineFields {
  timestamp: boolean;
  level: boolean;
  component: boolean;
}

function lineFields(extra: string[] | undefined): LineFields {
  if (!extra || extra.length === 0) return { timestamp: true, level: true, component: true };
  const set = new Set(extra.map((f) => f.toLowerCase()));
  return { timestamp: set.has('timestamp'), level: set.has('level'), component: set.has('component') };
}

/** JSON lines written to `dest` without the level and component `fields` leaves out. */
function jsonStream(dest: NodeJS.WritableStream, fields: LineFields): NodeJS.WritableStream {
  if (fields.level && fields.component) return dest;
  return {
    write(chunk: string): boolean {
      let line = chunk;
      try {
        const { level, component, ...rest } = JSON.parse(chunk) as Record<string, unknown>;
        line = `${JSON.stringify({ ...(fields.level && { level }), ...(fields.component && component !== undefined && { component }), ...rest })}\n`;
      } catch {
        // Not JSON: pass through as is.
      }
      return dest.write(line);
    },
  } as NodeJS.WritableStream;
}

/** One text line from pino's JSON record: `2026-01-02T15:04:05Z INFO [auth] message key=value`, parts per `fields`. */
export function formatTextLine(record: Record<string, unknown>, fields: LineFields, now: Date): string {
  const { level, msg, component, ...rest } = record;
  const names: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
  const kv = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
  const head = [
    fields.timestamp ? now.toISOString() : '',
    fields.level ? String(names[level as number] ?? level) : '',
    fields.component && component ? `[${String(component)}]` : '',
  ].filter((p) => p !== '');
  return `${[...head, String(msg)].join(' ')}${kv ? ' ' + kv : ''}\n`;
}

/** Human-readable lines (formatTextLine) written to `dest`. */
function textStream(dest: NodeJS.WritableStream, fields: LineFields): NodeJS.WritableStream {
  return {
    write(chunk: string): boolean {
      let line = chunk;
      try {
        line = formatTextLine(JSON.parse(chunk) as Record<string, unknown>, fields, new Date());
      } catch {
        // Not JSON: pass through as is.
      }
      return dest.write(line);
    },
  } as NodeJS.WritableStream;
}

/** A logger that drops everything. */
export const silentLogger: Logger = pino({ level: 'silent' });
