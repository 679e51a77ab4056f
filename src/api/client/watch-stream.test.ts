import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '../watch-wire.js';
import { readWatchStream } from './watch-stream.js';

/** A response body the test writes lines into. */
const body = () => new PassThrough();
const asRes = (p: PassThrough) => p as unknown as IncomingMessage;

async function collect(it: AsyncIterable<WatchEvent>, into: WatchEvent[]): Promise<void> {
  for await (const e of it) into.push(e);
}

describe('readWatchStream', () => {
  it('yields events split across chunks, consumes pings, and turns an error line into its typed error', async () => {
    const p = body();
    const got: WatchEvent[] = [];
    const done = collect(readWatchStream(asRes(p), { addr: 'auth:3025' }), got);
    p.write('{"type":"init","ping_interval_ms":10000}\n{"type":"pi');
    p.write('ng"}\n{"type":"put","resource":{"kind":"node","metadata":{"name":"a"}}}\n');
    p.write('{"type":"delete","resource":{"kind":"node","metadata":{"name":"a"}}}\n{"error":{"code":"limit_exceeded","message":"fell behind"}}\n');
    await expect(done).rejects.toMatchObject({ code: 'limit_exceeded', message: 'fell behind' });
    expect(got.map((e) => e.type)).toEqual(['init', 'put', 'delete']);
    expect(got[0]).toEqual({ type: 'init' });
  });

  it('gives up on a silent connection, and on malformed or unknown lines, with ConnectionProblemError', async () => {
    const silent = body();
    silent.write('{"type":"init"}\n');
    await expect(collect(readWatchStream(asRes(silent), { addr: 'auth:3025', idleMs: 30 }), [])).rejects.toMatchObject({ code: 'connection_problem', message: expect.stringContaining('went silent') });

    for (const line of ['not json', '{"type":"teleport"}', '{"type":"put","resource":{"kind":"node"}}']) {
      const p = body();
      p.write(`${line}\n`);
      await expect(collect(readWatchStream(asRes(p), { addr: 'auth:3025' }), [])).rejects.toMatchObject({ code: 'connection_problem' });
    }

    const ended = body();
    ended.end('{"type":"init"}\n');
    await expect(collect(readWatchStream(asRes(ended), { addr: 'auth:3025' }), [])).rejects.toMatchObject({ message: expect.stringContaining('ended the watch stream') });
  });

  it('ends quietly when the consumer aborted', async () => {
    const p = body();
    const ac = new AbortController();
    const got: WatchEvent[] = [];
    const done = collect(readWatchStream(asRes(p), { addr: 'auth:3025', signal: ac.signal }), got);
    p.write('{"type":"init"}\n');
    await new Promise((r) => setImmediate(r));
    ac.abort();
    p.destroy(new Error('aborted'));
    await done;
    expect(got).toEqual([{ type: 'init' }]);
  });
});
