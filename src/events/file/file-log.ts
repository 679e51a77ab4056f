/**
 * The `file://<dir>` audit log: JSON lines, one file per UTC day named as Teleport names them
 * (`2026-01-02.00:00:00.log`), rolled over on the first write of a new day by the injected clock.
 * The events of a 20 ms window are appended in one write (write-batch.ts);
 * searches flush first and read the files of the days the time range covers.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent, SearchEventsResponse } from '../../api/audit-wire.js';
import type { Clock } from '../../api/clock.js';
import type { EventStore } from '../audit-log.js';
import { compareKeys, keyOf, matchesQuery, pageOf, type EventQuery } from '../query.js';
import { WriteBatch } from '../write-batch.js';

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD.HH:MM:SS.log`: Teleport's file names (ours always start at midnight UTC). */
const FILE_NAME = /^(\d{4}-\d{2}-\d{2})\.\d{2}:\d{2}:\d{2}\.log$/;

/** The file name for events written at `ms`. */
export function dayFileName(ms: number): string {
  return `${new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10)}.00:00:00.log`;
}

/** Options of a file log. */
export interface FileEventLogOptions {
  dir: string;
  clock: Clock;
}

/** Daily JSON-lines files in a directory; searchable. */
export class FileEventLog implements EventStore {
  readonly uri: string;
  private fd: number | undefined;
  private fileName = '';
  private closed = false;

  constructor(private readonly opts: FileEventLogOptions) {
    this.uri = `file://${opts.dir}`;
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  }

  private readonly batch = new WriteBatch<{ name: string; line: string }>((items) => this.append(items));

  /** Queued for the file of the day of the clock now (that day's file even when flushed after midnight). */
  write(event: AuditEvent): Promise<void> {
    if (this.closed) throw new Error('the file audit log is closed');
    return this.batch.add({ name: dayFileName(this.opts.clock.now()), line: JSON.stringify(event) + '\n' });
  }

  private append(items: { name: string; line: string }[]): void {
    let text = '';
    for (let i = 0; i < items.length; i++) {
      text += items[i].line;
      if (i + 1 === items.length || items[i + 1].name !== items[i].name) {
        this.appendTo(items[i].name, text);
        text = '';
      }
    }
  }

  private appendTo(name: string, text: string): void {
    if (name !== this.fileName || this.fd === undefined) {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      this.fd = openSync(join(this.opts.dir, name), 'a', 0o600);
      this.fileName = name;
    }
    writeSync(this.fd, text);
  }

  async search(q: EventQuery): Promise<SearchEventsResponse> {
    this.batch.flushNow();
    // A file holds what was written that day; an event's own time may differ a little (clocks of
    // other hosts, a write just after midnight), so read one more day on each side.
    const first = Number.isFinite(q.fromMs) ? dayFileName(q.fromMs - DAY_MS).slice(0, 10) : '';
    const last = Number.isFinite(q.toMs) ? dayFileName(q.toMs + DAY_MS).slice(0, 10) : '\uffff';
    const names = (await readdir(this.opts.dir)).filter((n) => {
      const m = FILE_NAME.exec(n);
      return m !== null && m[1] >= first && m[1] <= last;
    });
    const found: AuditEvent[] = [];
    for (const name of names) {
      const text = await readFile(join(this.opts.dir, name), 'utf8').catch(() => '');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        let e: AuditEvent;
        try {
          e = JSON.parse(line) as AuditEvent;
        } catch {
          continue; // A torn last line after a crash.
        }
        if (typeof e?.time === 'string' && typeof e.uid === 'string' && matchesQuery(q, e)) found.push(e);
      }
    }
    found.sort((a, b) => compareKeys(keyOf(a), keyOf(b)) * (q.order === 'asc' ? 1 : -1));
    return pageOf(found.slice(0, q.limit + 1), q.limit);
  }

  close(): Promise<void> {
    if (!this.closed) this.batch.flushNow();
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    return Promise.resolve();
  }
}
