/**
 * Joins two byte streams both ways (an agent's channel to auth and the proxy's TCP connection to
 * auth): backpressure through pipe, each side's end passed on as a half-close, an error on either
 * destroying both, and a side left open after the other closed ended and, after a grace period,
 * destroyed.
 */
import type { Duplex } from 'node:stream';

/** How long one side may stay open once the other has closed. */
const LINGER_MS = 5_000;

/** Relays `a` ⇄ `b`; resolves once both are closed. Never rejects. */
export function splice(a: Duplex, b: Duplex): Promise<void> {
  return new Promise((resolve) => {
    let closed = 0;
    let timer: NodeJS.Timeout | undefined;
    const fail = () => {
      a.destroy();
      b.destroy();
    };
    const onClose = (other: Duplex) => () => {
      closed++;
      if (closed === 2) {
        clearTimeout(timer);
        resolve();
        return;
      }
      // What was already piped to the other side still gets out; then it goes.
      other.end();
      timer = setTimeout(() => other.destroy(), LINGER_MS);
      timer.unref();
    };
    a.on('error', fail);
    b.on('error', fail);
    a.once('close', onClose(b));
    b.once('close', onClose(a));
    a.pipe(b);
    b.pipe(a);
  });
}
