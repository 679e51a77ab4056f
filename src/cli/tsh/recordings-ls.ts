/**
 * `tsh recordings ls [--format=text|json|yaml] [--from-utc=YYYY-MM-DD] [--to-utc=YYYY-MM-DD]
 * [--limit=50] [--last=5h30m]`: the completed recordings the user may list, newest first, in
 * Teleport's table (ID, Type, Participants, Hostname, Timestamp — the session's end) or as
 * Teleport's `session.end` events (which also carry `session_start`/`session_stop`).
 */
import { stringify } from 'yaml';
import { BadParameterError } from '../../api/errors.js';
import type { RecordingSummary } from '../../api/recording-wire.js';
import { makeTable, type CommandSpec } from '../framework/index.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = 24 * 3600_000;

/** Teleport's HumanDateFormatSeconds, `Jan 2 2006 15:04:05 UTC`. */
export function humanDateSeconds(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

/** A summary as the `session.end` event Teleport's listing is made of. */
export function sessionEndEvent(s: RecordingSummary): Record<string, unknown> {
  return {
    event: 'session.end',
    code: 'T2004I',
    time: s.session_stop,
    cluster_name: s.cluster_name,
    user: s.user,
    login: s.login,
    sid: s.sid,
    namespace: 'default',
    server_id: s.server_id,
    server_hostname: s.server_hostname,
    ...(s.server_addr && { server_addr: s.server_addr }),
    proto: s.proto,
    participants: s.participants,
    interactive: s.interactive,
    session_start: s.session_start,
    session_stop: s.session_stop,
    ...(s.initial_command && { initial_command: s.initial_command }),
  };
}

/** The text table (a blank line after it, as Teleport's asciitable output). */
export function recordingsTable(items: RecordingSummary[]): string {
  const rows = items.map((s) => [s.sid, s.proto, s.participants.join(', '), s.server_hostname, humanDateSeconds(Date.parse(s.session_stop))]);
  return makeTable(['ID', 'Type', 'Participants', 'Hostname', 'Timestamp'], rows) + '\n';
}

function parseDay(v: string, flag: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (Number.isNaN(t)) throw new BadParameterError(`failed to parse session listing ${flag} time: expected format 2006-01-02, got ${v}.`);
  return t;
}

/** The command spec. */
export const recordingsLsCommand: CommandSpec<TshCtx> = {
  name: 'recordings ls',
  aliases: ['recording ls'],
  help: 'List recorded sessions.',
  flags: [
    { name: 'format', short: 'f', type: 'string', default: 'text', enum: ['text', 'json', 'yaml'], help: "Format output (text, json, yaml). Defaults to 'text'." },
    { name: 'from-utc', type: 'string', help: 'Start of time range in which recordings are listed. Format 2006-01-02. Defaults to 24 hours ago.' },
    { name: 'to-utc', type: 'string', help: 'End of time range in which recordings are listed. Format 2006-01-02. Defaults to current time.' },
    { name: 'limit', type: 'int', default: 50, help: 'Maximum number of recordings to show. Default 50.' },
    { name: 'last', type: 'duration', help: 'Duration into the past from which session recordings should be listed. Format 5h30m40s' },
  ],
  async run(inv, ctx) {
    const now = (ctx.sys.now ?? Date.now)();
    const f = inv.flags;
    let to = typeof f['to-utc'] === 'string' ? parseDay(f['to-utc'], 'end') : now;
    let from = typeof f['from-utc'] === 'string' ? parseDay(f['from-utc'], 'start') : to - DAY;
    if (typeof f.last === 'number') {
      to = now;
      from = now - f.last;
    }
    if (from > to) throw new BadParameterError('--from-utc must come before --to-utc');
    const limit = Number(f.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new BadParameterError('--limit must be a positive number');
    const proxy = await connectProxy(inv, ctx);
    let items: RecordingSummary[];
    try {
      items = await proxy.authClient().listRecordings({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit });
    } finally {
      proxy.close();
    }
    const io = inv.io;
    switch (String(f.format)) {
      case 'json':
        io.stdout.write(JSON.stringify(items.map(sessionEndEvent), null, 2) + '\n');
        break;
      case 'yaml':
        io.stdout.write(items.length === 0 ? '[]\n' : stringify(items.map(sessionEndEvent), { lineWidth: 0 }));
        break;
      default:
        io.stdout.write(recordingsTable(items));
    }
    return 0;
  },
};
