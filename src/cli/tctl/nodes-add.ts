/** `tctl nodes add [--roles=node --ttl=30m --token=...]`: the older spelling of `tokens add`. */
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { formatJoinInstructions, joinInstructions } from './join-instructions.js';
import { createJoinToken } from './tokens-add.js';

/** The nodes add command. */
export const nodesAddCommand: CommandSpec<TctlCtx> = {
  name: 'nodes add',
  help: 'Generate a node invitation token.',
  flags: [
    { name: 'roles', type: 'list', default: 'node', help: 'Comma-separated list of roles for the new node to assume [node]' },
    { name: 'ttl', type: 'duration', default: '30m', help: 'Time to live for a generated token' },
    { name: 'token', type: 'string', help: 'Override the default random generated token with a specified value' },
    { name: 'format', type: 'string', default: 'text', hidden: true, help: "Output format, 'text' or 'json'" },
  ],
  async run(inv, ctx) {
    const f = inv.flags;
    const ttlMs = f.ttl as number;
    const { loaded, info } = await createJoinToken(ctx, f.roles as string[], ttlMs, f.token as string | undefined);
    if (f.format === 'text') {
      inv.io.stdout.write(formatJoinInstructions(await joinInstructions(loaded, info, ttlMs)));
    } else {
      // Always a list, as Teleport prints it for tooling.
      inv.io.stdout.write(JSON.stringify([info.token]));
    }
  },
};
