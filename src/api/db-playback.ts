/**
 * Playback of a database session (Teleport's lib/player/db translator, v14+): a database session's
 * recording is its audit events (`db.session.start`, `db.session.query`, ..., `db.session.end`),
 * shown as text the way a psql screen would read: a start line, each statement after a
 * `<db_name>=> ` prompt (continuation lines indented under it, a prepared statement's parameters as
 * `($1 = "x")`), an end line. Used by `tsh play` and the web player alike: other recordings pass
 * through unchanged. MySQL sessions are shown the same way with the `mysql` client's prompt
 * (Teleport plays PostgreSQL sessions only).
 */
import type { RecordingEvent } from './recording-wire.js';

const CRLF = '\r\n';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's `Mon Jan _2 15:04 UTC` (Teleport's HumanTimeFormat). */
export function humanTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** True when `e` opens a database session's recording. */
export function isDatabaseSessionStart(e: RecordingEvent): boolean {
  return e.event === 'db.session.start';
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Go's %q for the common cases: a double-quoted string with JSON's escapes. */
function quoted(v: unknown): string {
  return v === null ? 'NULL' : JSON.stringify(str(v));
}

/** Turns one session's events into `print` events, in order; feed it every event of the recording. */
export class DatabasePlayback {
  private startMs = NaN;
  private protocol = '';
  private printed = 0;
  /** The database the session is in (MySQL's USE moves it). */
  private db = '';

  /** The print for `e`, or undefined when `e` shows nothing. */
  translate(e: RecordingEvent): RecordingEvent | undefined {
    const t = Date.parse(e.time);
    switch (e.event) {
      case 'db.session.start':
        this.startMs = t;
        this.protocol = str(e.db_protocol);
        this.db = str(e.db_name);
        return this.print(e, `Session started to database ${JSON.stringify(str(e.db_service))} at ${humanTime(t)}${CRLF}`);
      case 'db.session.query': {
        const params = Array.isArray(e.db_query_parameters) ? (e.db_query_parameters as unknown[]) : [];
        const suffix = params.length > 0 ? ` (${params.map((p, i) => `$${i + 1} = ${quoted(p)}`).join(', ')})` : '';
        return this.print(e, this.command(e, str(e.db_query) + suffix));
      }
      case 'db.session.query.failed':
        return this.print(e, `ERROR: ${str(e.error)}${CRLF}`);
      case 'db.session.mysql.statements.prepare':
        return this.print(e, this.command(e, `PREPARE ${str(e.db_query)}`));
      case 'db.session.mysql.statements.execute':
        // The server numbers statements; the audit names the execute by that number only.
        return this.print(e, this.command(e, `EXECUTE statement ${Number(e.statement_id)}`));
      case 'db.session.mysql.init_db': {
        // The event names the new database; the prompt still shows the one it was typed at.
        const p = this.print(e, this.command({ ...e, db_name: this.db }, `USE ${str(e.schema_name)}`));
        this.db = str(e.schema_name);
        return p;
      }
      case 'db.session.end':
        return this.print(e, `${CRLF}Session ended at ${humanTime(t)}${CRLF}`);
      default:
        return undefined;
    }
  }

  /** A statement after the client's prompt, continuation lines under its start. */
  private command(e: RecordingEvent, text: string): string {
    const lead = this.protocol === 'mysql' ? `mysql [${str(e.db_name) || '(none)'}]> ` : `${str(e.db_name)}=> `;
    const pad = ' '.repeat(lead.length);
    const lines = text.split('\n').map((l) => l.trim());
    return CRLF + lead + lines.map((l, i) => (i === 0 ? l : pad + l)).join(CRLF) + CRLF;
  }

  private print(e: RecordingEvent, text: string): RecordingEvent {
    const t = Date.parse(e.time);
    const ms = Number.isNaN(this.startMs) || Number.isNaN(t) ? 0 : Math.max(0, t - this.startMs);
    const data = base64(text);
    const bytes = new TextEncoder().encode(text).length;
    const out: RecordingEvent = { event: 'print', ei: e.ei, time: e.time, ms, data, bytes, offset: this.printed, ci: e.ei };
    this.printed += bytes;
    return out;
  }
}

/**
 * The recording as a terminal plays it: a database session's events become prints (see
 * DatabasePlayback), any other recording is yielded as it is.
 */
export async function* playableEvents(events: AsyncIterable<RecordingEvent>): AsyncGenerator<RecordingEvent> {
  let player: DatabasePlayback | undefined;
  let first = true;
  for await (const e of events) {
    if (first) {
      first = false;
      if (isDatabaseSessionStart(e)) player = new DatabasePlayback();
    }
    if (!player) {
      yield e;
      continue;
    }
    const p = player.translate(e);
    if (p) yield p;
  }
}

/** The same over a whole recording in memory (the web player). */
export function playableEventList(events: RecordingEvent[]): RecordingEvent[] {
  if (events.length === 0 || !isDatabaseSessionStart(events[0])) return events;
  const player = new DatabasePlayback();
  return events.flatMap((e) => player.translate(e) ?? []);
}
