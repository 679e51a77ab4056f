/** Piping two byte streams into each other for forwards, ending and tearing down both sides together. */
import type { Duplex } from 'node:stream';

/**
 * Relay `a` ⇄ `b`: each side's EOF ends the other's writing half; an error or a full close of
 * either side destroys the other once its buffered bytes are flushed. Never throws.
 */
export function relayStreams(a: Duplex, b: Duplex): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  // A closed side cannot receive more; the other gets an orderly end so queued bytes still go out.
  a.on('close', () => b.end());
  b.on('close', () => a.end());
  a.pipe(b);
  b.pipe(a);
  a.resume();
  b.resume();
}
