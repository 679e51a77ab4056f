/**
 * The request target and its path segments as typed errors, never a 500 (or an uncaught exception
 * in an `upgrade` listener): `GET //[` is a request line Node's parser accepts and `new URL` refuses,
 * and `%E0%A4%A` is a path `decodeURIComponent` refuses.
 */
import type { IncomingMessage } from 'node:http';
import { BadParameterError } from '../api/errors.js';

/** The request's URL against `base` (`https://proxy`). Throws BadParameterError for a malformed target. */
export function requestURL(req: IncomingMessage, base: string): URL {
  try {
    return new URL(req.url ?? '/', base);
  } catch (err) {
    throw new BadParameterError(`malformed request target "${(req.url ?? '').slice(0, 100)}"`, { cause: err });
  }
}

/** One percent-decoded path segment. Throws BadParameterError naming the segment when malformed. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw new BadParameterError(`malformed percent-encoding in the path segment "${segment.slice(0, 100)}"`, { cause: err });
  }
}
