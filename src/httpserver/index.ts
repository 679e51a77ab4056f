/**
 * What our HTTP servers (auth API, proxy web API, diag) share: reading a bounded JSON request body,
 * writing a JSON response, and listening/closing. Bad or oversized bodies become typed errors.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Starts `server` listening on host:port (0 picks a port); resolves with the bound address. */
export function listen(server: Server, port: number, host: string): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve({ host: a.address, port: a.port });
    });
  });
}

/** Closes `server` and every open connection; resolves when it has stopped. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
