import { describe, expect, it } from 'vitest';
import type { RecordingEvent } from '../../api/recording-wire.js';
import { writeAsciicast, writeJSON, writeText } from './play-formats.js';
import { TerminalText } from './play-text.js';

function render(...chunks: string[]): string {
  const t = new TerminalText();
  // Test strings are bytes written as latin1 characters.
  return chunks.map((c) => t.write(Buffer.from(c, 'latin1'))).join('') + t.end();
}

async function* events(list: Partial<RecordingEvent>[]): AsyncGenerator<RecordingEvent> {
  let ei = 0;
  for (const e of list) yield { event: 'print', ei: ei++, time: '2026-01-01T00:00:00.000Z', ms: 0, ...e } as RecordingEvent;
}

async function collect(fn: (e: AsyncIterable<RecordingEvent>, out: { write(s: string | Buffer): void }) => Promise<void>, list: Partial<RecordingEvent>[]): Promise<string> {
  let s = '';
  await fn(events(list), { write: (c) => void (s += c.toString()) });
  return s;
}

const print = (bytes: string, ms: number): Partial<RecordingEvent> => ({ event: 'print', data: Buffer.from(bytes, 'latin1').toString('base64'), ms });

describe('terminal text', () => {
  it.each([
    ['colors and titles', ['\x1b]0;user@host: ~\x07\x1b[01;32muser@host\x1b[00m:~$ ls\r\n'], 'user@host:~$ ls\n'],
    ['carriage-return progress', ['10%\r50%\r100%\r\n'], '100%\n'],
    ['backspace and erase in line', ['echo hellp\b \bo\r\n'], 'echo hello\n'],
    ['readline delete and insert', ['abcd\x1b[2D\x1b[P\r\n'], 'abd\n'],
    ['sequences and UTF-8 split across chunks', ['caf\xc3', '\xa9 \x1b[3', '1mred\x1b[0m\r\n'], 'café red\n'],
    ['tabs and a last line without newline', ['a\tb\r\n$ '], 'a       b\n$\n'],
    ['bracketed paste and charset selection', ['\x1b[?2004h\x1b(Bok\r\n'], 'ok\n'],
  ])('%s', (_name, chunks, want) => {
    expect(render(...chunks)).toBe(want);
  });
});

describe('exports', () => {
  it('writes Teleport-style JSON', async () => {
    const s = await collect(writeJSON, [{ event: 'session.start', size: '80:24' }, print('hi', 5)]);
    const parsed = JSON.parse(s) as RecordingEvent[];
    expect(parsed.map((e) => e.event)).toEqual(['session.start', 'print']);
    expect(s.startsWith('[\n    {\n        "event": "session.start"')).toBe(true);
    expect(await collect(writeJSON, [])).toBe('[\n]\n');
  });

  it('writes asciicast v2 with output and resize events in seconds', async () => {
    const s = await collect(writeAsciicast, [
      { event: 'session.start', size: '100:30', user: 'alice', server_hostname: 'node-1', sid: 'abc', time: '2026-01-01T00:00:10.000Z' },
      print('hello \xe2', 1500),
      print('\x82\xac\r\n', 1750),
      { event: 'resize', size: '120:40', ms: 2000 },
    ]);
    const lines = s.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines[0]).toEqual({ version: 2, width: 100, height: 30, timestamp: 1767225610, title: 'alice@node-1 abc' });
    expect(lines.slice(1)).toEqual([
      [1.5, 'o', 'hello '],
      [1.75, 'o', '€\r\n'],
      [2, 'r', '120x40'],
    ]);
  });

  it('writes plain text', async () => {
    expect(await collect(writeText, [{ event: 'session.start' }, print('\x1b[1mbold\x1b[0m\r\n', 1)])).toBe('bold\n');
  });
});
