import { describe, expect, it } from 'vitest';
import { captureIO } from '../framework/index.js';
import { runTsh } from './run.js';

describe('tsh', () => {
  it('prints its version', async () => {
    const c = captureIO();
    expect(await runTsh(['version'], c.io)).toBe(0);
    expect(c.out()).toMatch(/^Teleport v\d+\.\d+\.\d+ node/);
  });

  it('refuses commands it does not have with a usage error', async () => {
    const c = captureIO();
    expect(await runTsh(['bogus'], c.io)).toBe(1);
    expect(c.err()).toMatch(/ERROR: expected command but got "bogus"/);
  });
});
