/**
 * Traits as Teleport writes them into POSTALCODE: Go's `json.Marshal` of `map[string][]string`
 * (keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped, a nil map as `null`).
 */
import { BadParameterError } from '../api/errors.js';

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Encode traits byte-for-byte as Go's encoding/json would; `undefined` becomes `null`. */
export function marshalTraits(traits: Record<string, string[]> | undefined): string {
  if (traits === undefined) return 'null';
  const sorted: Record<string, string[]> = {};
  for (const key of Object.keys(traits).sort()) sorted[key] = traits[key];
  return JSON.stringify(sorted).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

/**
 * Decode the POSTALCODE traits JSON; `null` yields `undefined`, a `null` value list yields `[]`.
 * Throws BadParameterError unless it is an object of string lists.
 */
export function unmarshalTraits(text: string): Record<string, string[]> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BadParameterError('certificate traits (POSTALCODE) are not valid JSON', { cause: err });
  }
  if (parsed === null) return undefined;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadParameterError('certificate traits (POSTALCODE) must be a JSON object');
  }
  const traits: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (value === null) {
      traits[key] = [];
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      traits[key] = value as string[];
    } else {
      throw new BadParameterError(`certificate trait "${key}" must be a list of strings`);
    }
  }
  return traits;
}
