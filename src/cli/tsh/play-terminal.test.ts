// The terminal player at real (short) times: the recorded pace divided by --speed, idle gaps cut
// to a second with --skip-idle-time, space pausing and resuming, q stopping, the terminal resized.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../../api/recording-wire.js';
import { playOnTerminal } from './play-terminal.js';
import type { Terminal } from './tsh-context.js';

async function* events(list: Partial<RecordingEvent>[]): AsyncGenerator<RecordingEvent> {
  let ei = 0;
  for (const e of list) yield { event: 'print', ei: ei++, time: '2026-01-01T00:00:00.000Z', ms: 0, ...e } as RecordingEvent;
}
const print = (text: string, ms: number): Partial<RecordingEvent> => ({ event: 'print', data: Buffer.from(text).toString('base64'), ms });

function sink() {
  const writes: { at: number; s: string }[] = [];
  const t0 = performance.now();
  return { writes, out: { write: (c: string | Buffer) => void writes.push({ at: performance.now() - t0, s: c.toString() }) } };
}

describe('tsh play on a terminal', () => {
  it('plays at the recorded pace divided by the speed', async () => {
    const { writes, out } = sink();
    await playOnTerminal(events([{ event: 'session.start', size: '80:24' }, print('a', 0), print('b', 400), print('c', 800)]), { speed: 2, skipIdle: false, out });
    expect(writes.map((w) => w.s).join('')).toBe('abc');
    expect(writes[2].at).toBeGreaterThanOrEqual(380);
    expect(writes[2].at).toBeLessThan(2000);
  });

  it('cuts idle gaps to a second with skip-idle-time', async () => {
    const { writes, out } = sink();
    const t0 = performance.now();
    await playOnTerminal(events([print('a', 0), print('b', 60_000)]), { speed: 4, skipIdle: true, out });
    expect(writes.map((w) => w.s).join('')).toBe('ab');
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(240);
    expect(took).toBeLessThan(2500);
  });

  it('pauses on space, resumes on space, stops on q, resizes the terminal and restores it', async () => {
    const { writes, out } = sink();
    const stdin = new PassThrough();
    const raw: boolean[] = [];
    const terminal: Terminal = { size: () => ({ cols: 80, rows: 24 }), setRawMode: (on) => void raw.push(on), onResize: () => () => {} };
    const list = [{ event: 'session.start', size: '100:30' }, print('one', 0), print('two', 300), { event: 'resize', size: '120:40', ms: 350 }, print('three', 400), print('never', 5_000)];
    const done = playOnTerminal(events(list), { speed: 1, skipIdle: false, out, terminal, stdin });
    await new Promise((r) => setTimeout(r, 100));
    stdin.write(' ');
    await new Promise((r) => setTimeout(r, 600));
    expect(writes.map((w) => w.s).join('')).toBe('\x1b[8;30;100tone');
    stdin.write(' ');
    await new Promise((r) => setTimeout(r, 900));
    expect(writes.map((w) => w.s).join('')).toBe('\x1b[8;30;100tonetwo\x1b[8;40;120tthree');
    stdin.write('q');
    await done;
    expect(writes.map((w) => w.s).join('')).not.toContain('never');
    expect(raw).toEqual([true, false]);
  });
});
