/** `tctl users ls`, `tctl users rm a[,b]`, `tctl users update`, `tctl users reset`. */
import { HOUR } from '../../api/duration.js';
import { BadParameterError } from '../../api/errors.js';
import type { User } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import { makeTable, toGoJSON } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { formatUserLink } from './invite-text.js';
import { TRAIT_FLAGS, checkRolesExist, traitFlagSpecs, traitsFromFlags } from './user-traits.js';

/** The users ls command. */
export const usersLsCommand: CommandSpec<TctlCtx> = {
  name: 'users ls',
  help: 'Lists all user accounts.',
  flags: [{ name: 'format', type: 'string', default: 'text', enum: ['text', 'json'], help: "Output format, 'text' or 'json'" }],
  async run(inv, ctx) {
    const { client } = await ctx.connect();
    const users = await client.listResources<User>('user');
    if (inv.flags.format === 'json') {
      inv.io.stdout.write(toGoJSON(users));
      return;
    }
    if (users.length === 0) {
      inv.io.stdout.write('No users found\n');
      return;
    }
    const rows = users.map((u) => [u.metadata.name, u.spec.roles.join(',')]);
    // Teleport prints the table with Println: one extra newline.
    inv.io.stdout.write(makeTable(['User', 'Roles'], rows) + '\n');
  },
};

/** The users rm command: every named user must exist before any is deleted. */
export const usersRmCommand: CommandSpec<TctlCtx> = {
  name: 'users rm',
  aliases: ['del'],
  help: 'Deletes user accounts.',
  args: [{ name: 'logins', help: 'Comma-separated list of user logins to delete', required: true }],
  async run(inv, ctx) {
    const names = (inv.args.logins as string).split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (names.length === 0) throw new BadParameterError('name at least one user to delete');
    const { client } = await ctx.connect();
    for (const n of names) await client.getResource('user', n);
    for (const n of names) {
      await client.deleteResource('user', n);
      inv.io.stdout.write(`User "${n}" has been deleted\n`);
    }
  },
};

/** The users update command. */
export const usersUpdateCommand: CommandSpec<TctlCtx> = {
  name: 'users update',
  help: 'Update user account.',
  args: [{ name: 'account', help: 'Teleport user account name', required: true }],
  flags: [{ name: 'set-roles', type: 'list', help: 'List of roles for the user to assume, replaces current roles' }, ...traitFlagSpecs('set-')],
  async run(inv, ctx) {
    const name = inv.args.account as string;
    const roles = inv.flags['set-roles'] as string[];
    const traits = traitsFromFlags(inv.flags, 'set-');
    if (roles.length === 0 && Object.keys(traits).length === 0) {
      throw new BadParameterError(`nothing to update: use --set-roles or one of ${TRAIT_FLAGS.map((t) => `--set-${t.flag}`).join(', ')}`);
    }
    const { client } = await ctx.connect();
    const user = await client.getResource<User>('user', name);
    const notes: string[] = [];
    if (roles.length > 0) {
      await checkRolesExist(client, roles);
      user.spec.roles = roles;
      notes.push(`New roles: ${roles.join(',')}`);
    }
    for (const t of TRAIT_FLAGS) {
      if (!traits[t.trait]) continue;
      user.spec.traits = { ...(user.spec.traits ?? {}), [t.trait]: traits[t.trait] };
      notes.push(`New ${t.flag.replace(/-/g, ' ')}: ${traits[t.trait].join(',')}`);
    }
    await client.createResource(user, { force: true });
    inv.io.stdout.write(`User ${name} has been updated:\n${notes.map((n) => `\t${n}\n`).join('')}`);
  },
};

/** The users reset command. */
export const usersResetCommand: CommandSpec<TctlCtx> = {
  name: 'users reset',
  help: 'Reset user password and generate a new token [Teleport local users only].',
  args: [{ name: 'account', help: 'Teleport user account name', required: true }],
  flags: [
    { name: 'ttl', type: 'duration', default: '8h', help: 'Set expiration time for token, default is 8h0m0s, maximum is 24h0m0s' },
    { name: 'format', type: 'string', default: 'text', hidden: true, help: "Output format, 'text' or 'json'" },
  ],
  async run(inv, ctx) {
    const ttl = inv.flags.ttl as number;
    if (!(ttl > 0) || ttl > 24 * HOUR) throw new BadParameterError(`invalid --ttl: the reset link TTL must be between 0 and 24h0m0s`);
    const { client } = await ctx.connect();
    const name = inv.args.account as string;
    const token = await client.createUserToken(name, { type: 'reset', ttl_ms: ttl });
    inv.io.stdout.write(formatUserLink('reset', token, ttl, inv.flags.format as string));
  },
};
