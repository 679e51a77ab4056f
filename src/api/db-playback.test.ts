import { describe, expect, it } from 'vitest';
import { humanTime, playableEventList } from './db-playback.js';
import type { RecordingEvent } from './recording-wire.js';

const t0 = Date.parse('2026-12-07T22:05:09.000Z');
function ev(event: string, dms: number, ei: number, fields: Record<string, unknown> = {}): RecordingEvent {
  return { event, ei, ms: 0, time: new Date(t0 + dms).toISOString(), ...fields };
}
const text = (events: RecordingEvent[]) => events.map((e) => Buffer.from(e.data ?? '', 'base64').toString('utf8')).join('');

describe('database session playback', () => {
  it('prints the start, each statement after the prompt with its parameters, and the end, at their times', () => {
    const out = playableEventList([
      ev('db.session.start', 0, 0, { db_service: 'pg-main', db_protocol: 'postgres', db_name: 'test' }),
      ev('db.session.query', 1500, 1, { db_name: 'test', db_query: 'select 1,\n   2' }),
      ev('db.session.query', 2000, 2, { db_name: 'test', db_query: 'select $1, $2', db_query_parameters: ['a "b"', null] }),
      ev('db.session.query.failed', 2100, 3, { error: 'too big' }),
      ev('db.session.end', 3000, 4, { db_name: 'test' }),
    ]);
    expect(out.map((e) => e.event)).toEqual(['print', 'print', 'print', 'print', 'print']);
    expect(out.map((e) => e.ms)).toEqual([0, 1500, 2000, 2100, 3000]);
    expect(text(out)).toBe(
      'Session started to database "pg-main" at Mon Dec  7 22:05 UTC\r\n' +
        '\r\ntest=> select 1,\r\n       2\r\n' +
        '\r\ntest=> select $1, $2 ($1 = "a \\"b\\"", $2 = NULL)\r\n' +
        'ERROR: too big\r\n' +
        '\r\nSession ended at Mon Dec  7 22:05 UTC\r\n',
    );
    expect(out[1].offset).toBe(out[0].bytes);
  });

  it('shows MySQL statements at the mysql prompt, USE at the database it was typed in', () => {
    const out = playableEventList([
      ev('db.session.start', 0, 0, { db_service: 'maria', db_protocol: 'mysql', db_name: '' }),
      ev('db.session.mysql.init_db', 10, 1, { db_name: 'shop', schema_name: 'shop' }),
      ev('db.session.query', 20, 2, { db_name: 'shop', db_query: 'select 1' }),
      ev('db.session.mysql.statements.execute', 30, 3, { db_name: 'shop', statement_id: 4 }),
    ]);
    expect(text(out)).toContain('\r\nmysql [(none)]> USE shop\r\n\r\nmysql [shop]> select 1\r\n\r\nmysql [shop]> EXECUTE statement 4\r\n');
  });

  it('leaves other recordings as they are', () => {
    const ssh = [ev('session.start', 0, 0), ev('print', 5, 1, { data: 'aGk=' })];
    expect(playableEventList(ssh)).toBe(ssh);
  });

  it('formats times as Go\'s "Mon Jan _2 15:04 UTC"', () => {
    expect(humanTime(Date.parse('2026-01-02T03:04:05Z'))).toBe('Fri Jan  2 03:04 UTC');
  });
});
