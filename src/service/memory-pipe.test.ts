import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { memoryPipe } from './memory-pipe.js';

/** What `s` reads until EOF (without destroying it, as an async iterator would). */
function readAll(s: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return once(s, 'end').then(() => Buffer.concat(chunks));
}

describe('memoryPipe', () => {
  it('carries bytes both ways, each end half-closing on its own', async () => {
    const [a, b] = memoryPipe();
    const fromA = readAll(b);
    a.write('hello ');
    a.end('world');
    expect((await fromA).toString()).toBe('hello world');
    // b may still write after a's EOF.
    const fromB = readAll(a);
    b.end(Buffer.alloc(1_000_000, 7));
    expect((await fromB).equals(Buffer.alloc(1_000_000, 7))).toBe(true);
  });

  it('makes the writer wait while the reader does not read', async () => {
    const [a, b] = memoryPipe();
    b.pause();
    let ok = true;
    let written = 0;
    while (ok) {
      ok = a.write(Buffer.alloc(64 * 1024));
      written += 64 * 1024;
    }
    expect(written).toBeLessThan(2 * 1024 * 1024);
    const drained = once(a, 'drain');
    let read = 0;
    b.on('data', (c: Buffer) => (read += c.length));
    b.resume();
    await drained;
    expect(read).toBe(written);
  });

  it('is EOF to the other end when one end is destroyed, after what it sent, and then refuses writes', async () => {
    const [a, b] = memoryPipe();
    a.write('last words');
    a.destroy();
    expect((await readAll(b)).toString()).toBe('last words');
    const err = once(b, 'error');
    b.write('anyone?');
    const [e] = (await err) as [NodeJS.ErrnoException];
    expect(e.code).toBe('EPIPE');
  });

  it('lets go of a write that waited for an end destroyed before reading it: EPIPE, as a closed socket', async () => {
    const [a, b] = memoryPipe();
    b.pause();
    while (a.write(Buffer.alloc(64 * 1024)));
    const err = once(a, 'error');
    b.destroy();
    const [e] = (await err) as [NodeJS.ErrnoException];
    expect(e.code).toBe('EPIPE');
  });
});
