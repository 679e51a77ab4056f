import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { captureIO, processIO } from './io.js';

describe('processIO', () => {
  it('wires the process globals', () => {
    const io = processIO();
    expect(io.env).toBe(process.env);
    expect(io.stdin).toBe(process.stdin);
    expect(io.cwd).toBe(process.cwd());
    expect(io.homeDir).toBe(homedir());
    expect(io.stdout.isTTY).toBe(Boolean(process.stdout.isTTY));
  });
});

describe('captureIO', () => {
  it('records stdout and stderr separately and uses the given environment', async () => {
    const c = captureIO({ env: { TELEPORT_PROXY: 'p:3080' }, cwd: '/tmp', homeDir: '/home/alice', stdin: 'in' });
    c.io.stdout.write('a');
    c.io.stderr.write('b');
    c.io.stdout.write('c');
    expect([c.out(), c.err()]).toEqual(['ac', 'b']);
    expect(c.io).toMatchObject({ env: { TELEPORT_PROXY: 'p:3080' }, cwd: '/tmp', homeDir: '/home/alice' });
    expect(c.io.stdout.isTTY).toBe(false);
    const chunks: Buffer[] = [];
    for await (const chunk of c.io.stdin) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('in');
  });

  it('can pretend to be a terminal', () => {
    const c = captureIO({ tty: { columns: 120 } });
    expect(c.io.stdout).toMatchObject({ isTTY: true, columns: 120 });
  });
});
