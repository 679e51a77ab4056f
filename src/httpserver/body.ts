/**
 * Request bodies within a limit per route: a declared `content-length` over the limit is refused
 * before a byte is read, a streamed body as soon as it passes the limit, and a JSON body must also
 * stay within the structure bounds (depth, entries) before any handler sees it.
 */
import type { IncomingMessage } from 'node:http';
import { BadParameterError, LimitExceededError } from '../api/errors.js';
import { checkStructure, formatBytes } from '../api/types/index.js';

/** A request body over its route's limit: HTTP 413, code `limit_exceeded`; the message names the limit. */
export class RequestTooLargeError extends LimitExceededError {}

/** Reads the raw body of at most `maxBytes`. Throws RequestTooLargeError beyond. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (): RequestTooLargeError =>
    new RequestTooLargeError(`request body is larger than the limit of ${formatBytes(maxBytes)} for ${req.method ?? ''} ${pathOf(req)}`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads and parses a JSON body of at most `maxBytes`; `{}` for an empty body. Throws
 * RequestTooLargeError, or BadParameterError for invalid JSON or a value past STRUCTURE_LIMITS.
 */
export async function readJSONBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const text = (await readBody(req, maxBytes)).toString('utf8');
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadParameterError(`request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  checkStructure(value, 'request body');
  return value;
}

/** readJSONBody for routes whose body is a request object: BadParameterError for `null`, a list or a scalar. */
export async function readJSONObject(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const value = await readJSONBody(req, maxBytes);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadParameterError(`request body must be a JSON object, not ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)).slice(0, 200);
}
