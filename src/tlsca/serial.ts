/** Random certificate serial numbers, as Go's `rand.Int(rand.Reader, 2^128)` makes them. */
import { randomBytes } from 'node:crypto';

/** A random positive serial below 2^128, as lowercase hex (no leading zero bytes). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  let hex = bytes.toString('hex').replace(/^(00)+/, '');
  if (hex === '') hex = '01';
  return hex;
}
