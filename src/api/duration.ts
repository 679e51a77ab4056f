/**
 * Go-style durations as Teleport's YAML and CLI flags use them (`5m`, `1m0s`, `1h0m0s`, `1.5h`,
 * `300ms`). Values are milliseconds; sub-millisecond parts are rounded.
 */
import { BadParameterError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds per unit, for readable constants (`5 * MINUTE`). */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/**
 * Parse a Go duration string into milliseconds. Throws BadParameterError naming the input when it
 * is not one (`"5"` without a unit is refused, as Go does, except the bare `"0"`).
 */
export function parseDuration(input: string): number {
  const s = input.trim();
  if (s === '0') return 0;
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '') throw new BadParameterError(`invalid duration "${input}"`);
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) {
      throw new BadParameterError(
        `invalid duration "${input}": expected a number followed by a unit (h, m, s, ms), as in 30s, 5m or 1h30m`,
      );
    }
    total += parseFloat(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/** Format milliseconds as Go's Duration.String() does: `12h0m0s`, `30m0s`, `1.5s`, `250ms`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(Math.round(ms));
  let out: string;
  if (rest < 1000) {
    out = `${rest}ms`;
  } else {
    const h = Math.floor(rest / HOUR);
    rest -= h * HOUR;
    const m = Math.floor(rest / MINUTE);
    rest -= m * MINUTE;
    const secs = rest / 1000;
    const secStr = Number.isInteger(secs) ? String(secs) : String(Number(secs.toFixed(3)));
    if (h > 0) out = `${h}h${m}m${secStr}s`;
    else if (m > 0) out = `${m}m${secStr}s`;
    else out = `${secStr}s`;
  }
  return neg ? `-${out}` : out;
}

/** Human phrase for a whole number of minutes/hours, as tctl prints TTLs ("30 minutes", "1 hour"). */
export function humanDuration(ms: number): string {
  if (ms % HOUR === 0 && ms >= HOUR) {
    const h = ms / HOUR;
    return h === 1 ? '1 hour' : `${h} hours`;
  }
  if (ms % MINUTE === 0 && ms >= MINUTE) {
    const m = ms / MINUTE;
    return m === 1 ? '1 minute' : `${m} minutes`;
  }
  return formatDuration(ms);
}
