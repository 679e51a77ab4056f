// teleport.log.format.extra_fields acts: lines carry only the listed parts (named by key-proofs.test.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, formatTextLine } from './logger.js';

const dir = mkdtempSync(join(tmpdir(), 'logger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const record = { level: 30, msg: 'started', component: 'auth', addr: '127.0.0.1:3025' };
const now = new Date('2026-01-02T15:04:05.000Z');

/** Waits until the file has a whole line (the file stream writes asynchronously), and returns it. */
async function firstLine(file: string): Promise<string> {
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text.includes('\n')) return text.split('\n')[0];
    await new Promise((r) => setImmediate(r));
  }
}

describe('log format extra_fields', () => {
  it('text lines carry every part by default, and only the listed ones when extra_fields is set', () => {
    expect(formatTextLine(record, { timestamp: true, level: true, component: true }, now)).toBe('2026-01-02T15:04:05.000Z INFO [auth] started addr=127.0.0.1:3025\n');
    expect(formatTextLine(record, { timestamp: false, level: true, component: false }, now)).toBe('INFO started addr=127.0.0.1:3025\n');
  });

  it('json lines leave out the timestamp, level and component not listed', async () => {
    const file = join(dir, 'json.log');
    createLogger({ output: file, format: 'json', extraFields: ['component', 'caller'] }).child({ component: 'auth' }).info({ addr: 'x' }, 'started');
    const line = JSON.parse(await firstLine(file)) as Record<string, unknown>;
    expect(line).toEqual({ component: 'auth', addr: 'x', msg: 'started' });
  });

  it('text lines through the logger follow extra_fields', async () => {
    const file = join(dir, 'text.log');
    createLogger({ output: file, extraFields: ['level'] }).child({ component: 'proxy' }).warn('slow');
    expect(await firstLine(file)).toBe('WARN slow');
  });
});
