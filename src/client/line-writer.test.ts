import { describe, expect, it } from 'vitest';
import { labeledLineWriter } from './line-writer.js';

function run(chunks: (string | Buffer)[], max?: number): string {
  let out = '';
  const w = labeledLineWriter((s) => (out += s), 'node-1', max);
  for (const c of chunks) w.write(c);
  w.end();
  return out;
}

describe('labeledLineWriter', () => {
  it('prefixes whole lines, across chunks', () => {
    expect(run(['one\ntw', 'o\nthr', 'ee'])).toBe('[node-1] one\n[node-1] two\n[node-1] three\n');
    expect(run(['\n\n'])).toBe('[node-1] \n[node-1] \n');
    expect(run([])).toBe('');
  });

  it('keeps multi-byte characters split between chunks whole', () => {
    const bytes = Buffer.from('héllo\n');
    expect(run([bytes.subarray(0, 2), bytes.subarray(2)])).toBe('[node-1] héllo\n');
  });

  it('splits overlong lines', () => {
    expect(run(['abcdefghij\n'], 4)).toBe('[node-1] abcd\n[node-1] efgh\n[node-1] ij\n');
  });
});
