// The fuzz harness's deadline for synchronous parsers: a case that never returns is ended and
// reported as a hang, and the worker serves the next case.
import { describe, expect, it } from 'vitest';
import { SyncTarget } from './sync-target.js';
import type { Outcome } from './targets.js';

describe('SyncTarget', () => {
  it('ends a case that never returns as a hang, then goes on serving', { timeout: 30_000 }, async () => {
    const spin = await SyncTarget.start('spinForever');
    const started = Date.now();
    await expect(spin.call(null, 300)).rejects.toThrow(/a hang/);
    expect(Date.now() - started).toBeLessThan(5000);
    await spin.close();
    const parser = await SyncTarget.start('parseConfigCase');
    const out = await parser.call<Outcome<unknown>>('teleport: [', 2000);
    expect(out).toMatchObject({ ok: false, typed: true, code: 'bad_parameter' });
    await parser.close();
  });
});
