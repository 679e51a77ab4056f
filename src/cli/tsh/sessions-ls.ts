/**
 * `tsh sessions ls [--format=text|json|yaml]`: the live sessions the user may see (the auth server
 * filters them by the user's roles: all with a session_tracker list/read rule, else the user's own),
 * in Teleport's table (ID, Kind, Created, Hostname, Address, Login, Reason, Command) or as
 * session_tracker resources.
 */
import { stringify } from 'yaml';
import type { SessionTracker } from '../../api/types/index.js';
import { makeTable, type CommandSpec } from '../framework/index.js';
import { humanDateSeconds } from './recordings-ls.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** The text table, as Teleport prints it (a blank line after it). */
export function sessionsTable(items: SessionTracker[]): string {
  const rows = items.map((t) => [t.spec.session_id, t.spec.kind, humanDateSeconds(Date.parse(t.spec.created)), t.spec.hostname, t.spec.address, t.spec.login, '', t.spec.command ?? '']);
  return makeTable(['ID', 'Kind', 'Created', 'Hostname', 'Address', 'Login', 'Reason', 'Command'], rows) + '\n';
}

/** The command spec. */
export const sessionsLsCommand: CommandSpec<TshCtx> = {
  name: 'sessions ls',
  aliases: ['session ls'],
  help: 'List active sessions.',
  flags: [{ name: 'format', short: 'f', type: 'string', default: 'text', enum: ['text', 'json', 'yaml'], help: "Format output (text, json, yaml). Defaults to 'text'." }],
  async run(inv, ctx) {
    const proxy = await connectProxy(inv, ctx);
    let items: SessionTracker[];
    try {
      items = await proxy.authClient().listSessionTrackers<SessionTracker>();
    } finally {
      proxy.close();
    }
    items.sort((a, b) => a.spec.created.localeCompare(b.spec.created) || a.spec.session_id.localeCompare(b.spec.session_id));
    const io = inv.io;
    switch (String(inv.flags.format)) {
      case 'json':
        io.stdout.write(JSON.stringify(items, null, 2) + '\n');
        break;
      case 'yaml':
        io.stdout.write((items.length === 0 ? '[]\n' : stringify(items, { indentSeq: false, sortMapEntries: true, lineWidth: 0 })) + '\n');
        break;
      default:
        io.stdout.write(sessionsTable(items));
    }
    return 0;
  },
};
