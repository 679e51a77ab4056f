/**
 * JSON over node:http for our servers (auth API, proxy web API, diag): reading a bounded request
 * body and writing a response. Bad or oversized bodies become typed errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadParameterError, LimitExceededError } from '../api/errors.js';

/** Reads and parses a JSON body of at most `maxBytes`; `{}` for an empty body. */
export async function readJSONBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new LimitExceededError(`request body is larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadParameterError('request body is not valid JSON', { cause: err });
  }
}

/** Writes `body` as JSON with `status`. */
export function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
