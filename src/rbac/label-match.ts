/**
 * Label selector matching (facts §3.5): empty selector matches nothing, `'*': '*'` matches everything,
 * otherwise every selector key must be present (AND) and one of its values must match (OR); a value is a
 * glob (`*` = any run of characters) or, when written `^...$`, a full-match regular expression.
 */
import { compileGoRegex } from '../api/types/index.js';

/** Outcome of a match, with Teleport's reason text for debugging logs. */
export interface LabelMatchResult {
  matched: boolean;
  reason?: string;
}

const CACHE_LIMIT = 1000;
const cache = new Map<string, RegExp>();

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compile a selector value to a full-match RegExp (cached, LRU of 1000). `^...$` is a Go regex; anything
 * else is a glob. Throws BadParameterError for an invalid regex.
 */
export function selectorRegex(value: string): RegExp {
  const hit = cache.get(value);
  if (hit) {
    cache.delete(value);
    cache.set(value, hit);
    return hit;
  }
  const re =
    value.startsWith('^') && value.endsWith('$')
      ? compileGoRegex(value, { anchored: true })
      : new RegExp(`^${value.split('*').map(escapeRegex).join('.*')}$`);
  cache.set(value, re);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return re;
}

/** True when `value` matches any of the selector values (glob or `^regex$`). */
export function matchesAny(value: string, selectorValues: readonly string[]): boolean {
  return selectorValues.some((s) => selectorRegex(s).test(value));
}

/**
 * Match a label selector against a resource's labels (static plus dynamic). Throws BadParameterError
 * when a selector value is an invalid regex.
 */
export function matchLabels(
  selector: Readonly<Record<string, string | readonly string[]>> | undefined,
  labels: Readonly<Record<string, string>>,
): LabelMatchResult {
  const entries = Object.entries(selector ?? {}).map(([k, v]) => [k, typeof v === 'string' ? [v] : v] as const);
  if (entries.length === 0) return { matched: false, reason: 'no match, empty selector' };
  const wild = entries.find(([k]) => k === '*');
  if (wild && wild[1].length === 1 && wild[1][0] === '*') return { matched: true, reason: 'matched' };
  for (const [key, values] of entries) {
    if (!Object.prototype.hasOwnProperty.call(labels, key)) {
      return { matched: false, reason: `no key match: '${key}'` };
    }
    if (values.includes('*')) continue;
    if (!matchesAny(labels[key], values)) {
      return { matched: false, reason: `no value match: got '${labels[key]}' want: '${values.join(',')}'` };
    }
  }
  return { matched: true, reason: 'matched' };
}
