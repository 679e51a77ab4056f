/**
 * `tctl tokens add --type=node[,proxy...] [--ttl --value --labels --format]`: without --format the
 * join instructions; `text` the bare token; `json`/`yaml` an object with token, roles and expires.
 */
import { stringify } from 'yaml';
import { AlreadyExistsError, isCode } from '../../api/errors.js';
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { dbAgentJoinAddr, formatDbJoinInstructions, isDbToken } from './db-join-text.js';
import { formatJoinInstructions, joinInstructions } from './join-instructions.js';
import { parseLabelSpec } from './text-formats.js';

/** Creates the token; shared with `nodes add`. Maps AlreadyExists to Teleport's message. */
export async function createJoinToken(ctx: TctlCtx, roles: string[], ttlMs: number, value: string | undefined, labels?: Record<string, string>) {
  const loaded = await ctx.connect();
  try {
    const info = await loaded.client.generateToken({ roles, ttl_ms: ttlMs, ...(value && { token: value }), ...(labels && { labels }) });
    return { loaded, info };
  } catch (err) {
    if (isCode(err, 'already_exists')) {
      throw new AlreadyExistsError(`failed to create token ("${value}" already exists), please use another name`, { cause: err });
    }
    throw err;
  }
}

/** The tokens add command. */
export const tokensAddCommand: CommandSpec<TctlCtx> = {
  name: 'tokens add',
  help: 'Create a invitation token.',
  flags: [
    { name: 'type', type: 'list', required: true, help: 'Type(s) of token to add, e.g. --type=node,app,db,proxy,etc' },
    { name: 'value', type: 'string', help: 'Override the default random generated token with a specified value' },
    { name: 'labels', type: 'string', help: 'Set token labels, e.g. env=prod,region=us-west' },
    { name: 'ttl', type: 'duration', default: '30m', help: 'Set expiration time for token, default is 30 minutes' },
    { name: 'format', type: 'string', enum: ['text', 'json', 'yaml'], help: "Output format, 'text', 'json', or 'yaml'" },
    { name: 'db-name', type: 'string', help: 'Name of the database to add' },
    { name: 'db-protocol', type: 'string', help: 'Database protocol to use. Supports [postgres mysql]' },
    { name: 'db-uri', type: 'string', help: 'Address the database is reachable at' },
  ],
  async run(inv, ctx) {
    const f = inv.flags;
    const labels = typeof f.labels === 'string' && f.labels !== '' ? parseLabelSpec(f.labels) : undefined;
    const ttlMs = f.ttl as number;
    const { loaded, info } = await createJoinToken(ctx, f.type as string[], ttlMs, f.value as string | undefined, labels);
    const out = inv.io.stdout;
    switch (f.format as string | undefined) {
      case 'text':
        out.write(`${info.token}\n`);
        return;
      case 'json': {
        // Go's json.MarshalIndent of a map: keys sorted, one-space indent, no trailing newline.
        const obj = { expires: info.expires, roles: info.roles, token: info.token };
        out.write(JSON.stringify(obj, null, 1));
        return;
      }
      case 'yaml':
        out.write(stringify({ expires: info.expires, roles: info.roles, token: info.token }, { indentSeq: false }));
        return;
      default:
        if (isDbToken(info.roles)) {
          const j = { ...(await joinInstructions(loaded, info, ttlMs)), authServer: await dbAgentJoinAddr(loaded) };
          const db = { name: f['db-name'] as string | undefined, protocol: f['db-protocol'] as string | undefined, uri: f['db-uri'] as string | undefined };
          out.write(formatDbJoinInstructions(j, db));
          return;
        }
        out.write(formatJoinInstructions(await joinInstructions(loaded, info, ttlMs)));
    }
  },
};
