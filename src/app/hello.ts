/** Reading the proxy's hello (src/api/app-wire.ts) from the front of a stream the proxy opened. */
import type { Duplex } from 'node:stream';
import { APP_HELLO, type AppHello } from '../api/app-wire.js';
import { HELLO_TIMEOUT_MS, readHelloFrame } from '../api/hello-frame.js';

/** Reads the hello; the bytes after it are put back. Rejects with BadParameterError for a bad or late hello. */
export function readAppHello(stream: Duplex, timeoutMs = HELLO_TIMEOUT_MS): Promise<AppHello> {
  return readHelloFrame(stream, APP_HELLO, timeoutMs);
}
