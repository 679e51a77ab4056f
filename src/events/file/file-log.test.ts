import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../api/clock.js';
import { parseQuery } from '../query.js';
import { runEventStoreSuite, testEvent } from '../testing/suite.js';
import { FileEventLog, dayFileName } from './file-log.js';

const root = mkdtempSync(join(tmpdir(), 'file-events-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `log-${++n}`);

// The suite's events span 10:00-10:40 UTC on one day; the writer's clock says that day too.
runEventStoreSuite('file', async () => ({
  store: new FileEventLog({ dir: freshDir(), clock: new FakeClock(Date.UTC(2026, 2, 1, 12)) }),
  cleanup: async () => {},
}));

describe('file audit log', () => {
  it("names files as Teleport does, one per UTC day", () => {
    expect(dayFileName(Date.UTC(2026, 0, 2, 23, 59, 59, 999))).toBe('2026-01-02.00:00:00.log');
    expect(dayFileName(Date.UTC(2026, 0, 3))).toBe('2026-01-03.00:00:00.log');
  });

  it('rolls over to a new file at midnight UTC by its clock, and searches across the files', async () => {
    const dir = freshDir();
    const clock = new FakeClock(Date.UTC(2026, 4, 10, 23, 59, 0));
    const log = new FileEventLog({ dir, clock });
    const at = (ms: number, uid: string) => ({ ...testEvent(0, { uid }), time: new Date(ms).toISOString() });
    // Written together after this turn, each to the file of the day it was written on.
    const written = [log.write(at(clock.now(), 'before-midnight'))];
    clock.advance(2 * 60_000);
    written.push(log.write(at(clock.now(), 'after-midnight')));
    clock.advance(24 * 3600_000);
    written.push(log.write(at(clock.now(), 'next-day')));
    expect(readdirSync(dir)).toEqual([]);
    await Promise.all(written);
    expect(readdirSync(dir).sort()).toEqual(['2026-05-10.00:00:00.log', '2026-05-11.00:00:00.log', '2026-05-12.00:00:00.log']);
    const lines = readFileSync(join(dir, '2026-05-11.00:00:00.log'), 'utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0])).toMatchObject({ uid: 'after-midnight', event: 'user.login', code: 'T1000I' });
    const page = await log.search(parseQuery({ from: '2026-05-10T23:00:00Z', to: '2026-05-11T01:00:00Z' }));
    expect(page.events.map((e) => e.uid)).toEqual(['before-midnight', 'after-midnight']);
    await log.close();
  });

  it('skips a torn last line (a crash mid-write) when searching', async () => {
    const dir = freshDir();
    const clock = new FakeClock(Date.UTC(2026, 2, 1, 12));
    const log = new FileEventLog({ dir, clock });
    await log.write(testEvent(1));
    await appendFile(join(dir, dayFileName(clock.now())), '{"event":"user.lo');
    expect((await log.search(parseQuery({}))).events.map((e) => e.uid)).toEqual(['uid-0001']);
    await log.close();
  });
});
