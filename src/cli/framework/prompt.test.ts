import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../../api/errors.js';
import { captureIO } from './io.js';
import { confirm, readLine, readPassword } from './prompt.js';
import { ExitCodeError } from './report-error.js';

/** A stdin that claims to be a terminal and records raw-mode switches. */
function fakeTTY() {
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (raw: boolean) => void };
  const modes: boolean[] = [];
  stdin.isTTY = true;
  stdin.setRawMode = (raw) => void modes.push(raw);
  const c = captureIO();
  c.io.stdin = stdin;
  return { ...c, stdin, modes };
}

describe('readLine', () => {
  it('reads successive lines from one chunk without losing any', async () => {
    const c = captureIO({ stdin: 'alice\r\nsecret\nlast-without-newline' });
    expect(await readLine(c.io, 'User: ')).toBe('alice');
    expect(await readLine(c.io)).toBe('secret');
    expect(await readLine(c.io)).toBe('last-without-newline');
    await expect(readLine(c.io)).rejects.toThrow(BadParameterError);
    expect(c.err()).toBe('User: ');
    expect(c.out()).toBe('');
  });

  it('waits for input that arrives in pieces', async () => {
    const t = fakeTTY();
    const line = readLine(t.io);
    t.stdin.write('ab');
    setTimeout(() => t.stdin.write('c\nrest'), 5);
    expect(await line).toBe('abc');
  });

  it('fails on empty input', async () => {
    await expect(readLine(captureIO({ stdin: '' }).io)).rejects.toThrow('stdin closed');
  });
});

describe('confirm', () => {
  it.each([
    ['y\n', false, true],
    ['YES\n', false, true],
    ['n\n', true, false],
    ['\n', false, false],
    ['\n', true, true],
    ['maybe\n', true, false],
  ])('%j (default yes: %s) -> %s', async (input, defaultYes, want) => {
    const c = captureIO({ stdin: input });
    expect(await confirm(c.io, 'Delete?', defaultYes)).toBe(want);
    expect(c.err()).toBe(`Delete? ${defaultYes ? '[Y/n]' : '[y/N]'}: `);
  });
});

describe('readPassword', () => {
  it('reads a line when stdin is not a terminal', async () => {
    const c = captureIO({ stdin: 'hunter2\n' });
    expect(await readPassword(c.io, 'Enter password for Teleport user alice:\n')).toBe('hunter2');
  });

  it('reads without echo in raw mode, honouring backspace, and restores the mode', async () => {
    const t = fakeTTY();
    const pw = readPassword(t.io, 'Password: ');
    t.stdin.write('pa\x7fs');
    setTimeout(() => t.stdin.write('s\rnext\n'), 5);
    expect(await pw).toBe('pss');
    expect(t.modes).toEqual([true, false]);
    expect(t.err()).toBe('Password: \n');
    expect(t.out()).toBe('');
    expect(await readLine(t.io)).toBe('next');
  });

  it('ends with exit code 130 on Ctrl-C', async () => {
    const t = fakeTTY();
    const pw = readPassword(t.io);
    t.stdin.write('abc\x03');
    const err = await pw.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitCodeError);
    expect((err as ExitCodeError).exitCode).toBe(130);
    expect(t.modes).toEqual([true, false]);
  });

  it('fails on Ctrl-D at an empty prompt', async () => {
    const t = fakeTTY();
    const pw = readPassword(t.io);
    t.stdin.write('\x04');
    await expect(pw).rejects.toThrow(BadParameterError);
  });
});
