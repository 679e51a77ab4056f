/**
 * Small text forms tctl prints the way Teleport's Go code does: RFC 822 times, rounded durations,
 * label specs (`a=b,c=d`) and label maps.
 */
import { formatDuration } from '../../api/duration.js';
import { BadParameterError } from '../../api/errors.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** Go's time.RFC822 layout in UTC: `02 Jan 06 15:04 UTC`. */
export function rfc822(t: Date): string {
  return `${pad(t.getUTCDate())} ${MONTHS[t.getUTCMonth()]} ${pad(t.getUTCFullYear() % 100)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} UTC`;
}

/** Go's `d.Round(time.Second).String()`. */
export function roundedDuration(ms: number): string {
  return formatDuration(Math.round(ms / 1000) * 1000);
}

/** Teleport's trimDurationZeroSuffix: `1h0m0s` → `1h`, `30m0s` → `30m`. */
export function shortDuration(ms: number): string {
  const s = roundedDuration(ms);
  if (s.endsWith('h0m0s')) return s.slice(0, -4);
  if (s.endsWith('m0s')) return s.slice(0, -2);
  return s;
}

/** Parse `env=prod,region=us-west` (Teleport's ParseLabelSpec, simple form). BadParameterError when malformed. */
export function parseLabelSpec(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const k = eq > 0 ? part.slice(0, eq).trim() : '';
    if (k === '') throw new BadParameterError(`invalid label spec "${spec}": expected key=value[,key=value...]`);
    out[k] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Labels as `k=v,k2=v2`, keys sorted (Teleport's printMetadataLabels). */
export function formatLabels(labels: Record<string, string> | undefined): string {
  return Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels![k]}`)
    .join(',');
}
