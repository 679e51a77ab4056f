// The YAML worker gives what the inline decoder gives, keeps the event loop free while it parses
// (timers fire meanwhile: counted, not timed), and fails queued parses once closed.
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BadParameterError, ConnectionProblemError } from '../api/errors.js';
import { MAX_YAML_ALIAS_COUNT, STRUCTURE_LIMITS, decodeYAMLStream } from '../api/types/index.js';
import { YAMLWorker } from './yaml-worker.js';

const role = (labels: number): string =>
  `kind: role\nversion: v7\nmetadata:\n  name: big\nspec:\n  allow:\n    logins: [root]\n    node_labels:\n${Array.from({ length: labels }, (_, i) => `      l${i}: v`).join('\n')}\n`;

describe('YAMLWorker', () => {
  let worker: YAMLWorker | undefined;
  afterEach(async () => worker?.close());

  it('decodes large texts in the worker as the inline decoder does', async () => {
    worker = new YAMLWorker({ threshold: 1 });
    for (const text of [role(3), role(9_000), role(12_000), 'a: [unclosed\n', 'a: 1\na: 2\n']) {
      expect(await worker.decode(text)).toEqual(decodeYAMLStream(YAML, text, STRUCTURE_LIMITS, MAX_YAML_ALIAS_COUNT));
    }
  });

  it('lets timers run while it parses', async () => {
    worker = new YAMLWorker({ threshold: 1 });
    await worker.decode('a: 1\n'); // the worker is up
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const r = await worker.decode(role(60_000));
    clearInterval(timer);
    expect(r.ok).toBe(false);
    expect(ticks).toBeGreaterThan(0);
  });

  it('parses resources with the errors of parseResources', async () => {
    worker = new YAMLWorker({ threshold: 1 });
    const [r] = await worker.parseResources(role(2));
    expect(r.kind).toBe('role');
    await expect(worker.parseResources(role(10_001))).rejects.toThrow(BadParameterError);
    await expect(worker.parseResources(role(10_001))).rejects.toThrow('document 1: spec.allow.node_labels has 10001 entries, more than the limit of 10000 (at line 9, column 7)');
  });

  it('fails parses once closed', async () => {
    worker = new YAMLWorker({ threshold: 1 });
    const pending = worker.decode(role(20_000)).catch((err: unknown) => err);
    await worker.close();
    expect(await pending).toBeInstanceOf(ConnectionProblemError);
    await expect(worker.decode(role(1))).rejects.toThrow('the server is shutting down');
    await worker.close();
  });
});
