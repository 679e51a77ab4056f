/**
 * The one conformance suite every Backend implementation runs. An implementation's test file is a
 * few lines: `runBackendSuite('memory', async (clock) => new MemoryBackend({ clock, sweepIntervalMs: 10 }))`.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import { FakeClock } from '../../api/clock.js';
import type { Backend } from '../backend.js';
import type { SuiteContext } from './suite-context.js';
import { crudCases } from './suite-crud.js';
import { rangeCases } from './suite-range.js';
import { ttlCases } from './suite-ttl.js';
import { watchCases } from './suite-watch.js';

/**
 * Registers the conformance suite under `describe(name)`. `make` must build an empty backend whose
 * expiry reads `clock` and whose sweeper runs on a short real interval (at most 50 ms).
 */
export function runBackendSuite(name: string, make: (clock: FakeClock) => Promise<Backend>): void {
  describe(name, () => {
    const ctx = {} as SuiteContext;
    beforeEach(async () => {
      ctx.clock = new FakeClock();
      ctx.backend = await make(ctx.clock);
    });
    afterEach(async () => {
      await ctx.backend.close();
    });
    crudCases(ctx);
    rangeCases(ctx);
    ttlCases(ctx);
    watchCases(ctx);
  });
}
