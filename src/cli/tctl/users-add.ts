/**
 * `tctl users add <name> --roles=a,b [--logins=...] [--ttl=1h]` and the legacy OSS form
 * `tctl users add <name> [logins]`, which (as Teleport 6 did) assigns the `admin` role, takes the
 * positional list as logins (default: the user's name) and prints Teleport's deprecation note.
 */
import { HOUR } from '../../api/duration.js';
import { AlreadyExistsError, BadParameterError, isCode } from '../../api/errors.js';
import type { User } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { formatUserLink } from './invite-text.js';
import { checkRolesExist, traitFlagSpecs, traitsFromFlags } from './user-traits.js';

/** The role the legacy form assigns (Teleport's AdminRoleName). */
export const LEGACY_ROLE = 'admin';
const MAX_INVITE_TTL = 48 * HOUR;

function split(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

function legacyNote(name: string): string {
  return `NOTE: Teleport 6.0 added RBAC in Open Source edition.

In the future, please create a role and use a new format with --roles flag:

$ tctl users add "${name}" --roles=[add your role here]

We will deprecate the old format in the next release of Teleport.
Meanwhile we are going to assign user "${name}" to role "${LEGACY_ROLE}" created during migration.

`;
}

/** The users add command. */
export const usersAddCommand: CommandSpec<TctlCtx> = {
  name: 'users add',
  help: 'Generate a user invitation token [Teleport local users only].',
  args: [
    { name: 'account', help: 'Teleport user account name', required: true },
    { name: 'local-logins', help: 'Local UNIX users this account can log in as [login] (legacy form)' },
  ],
  flags: [
    { name: 'roles', type: 'list', help: 'List of roles for the new user to assume' },
    ...traitFlagSpecs(''),
    { name: 'ttl', type: 'duration', default: '1h', help: 'Set expiration time for token, default is 1h0m0s, maximum is 48h0m0s' },
    { name: 'format', type: 'string', default: 'text', hidden: true, help: "Output format, 'text' or 'json'" },
  ],
  async run(inv, ctx) {
    const name = inv.args.account as string;
    const legacyLogins = inv.args['local-logins'] as string | undefined;
    const roles = inv.flags.roles as string[];
    const traits = traitsFromFlags(inv.flags, '');
    const ttl = inv.flags.ttl as number;
    if (!(ttl > 0) || ttl > MAX_INVITE_TTL) {
      throw new BadParameterError(`invalid --ttl ${inv.flags.ttl}: the invitation link TTL must be between 0 and 48h0m0s`);
    }
    const legacy = roles.length === 0 && Object.keys(traits).length === 0;
    if (legacyLogins !== undefined && !legacy) {
      throw new BadParameterError('please use --roles and --logins flags instead of deprecated positional arguments');
    }
    let userRoles = roles;
    let userTraits = traits;
    if (legacy) {
      userRoles = [LEGACY_ROLE];
      const logins = split(legacyLogins ?? '');
      userTraits = { logins: logins.length > 0 ? logins : [name], kubernetes_users: [name] };
    }
    const { client } = await ctx.connect();
    await checkRolesExist(client, userRoles);
    const user = {
      kind: 'user',
      version: 'v2',
      metadata: { name },
      spec: { roles: userRoles, traits: userTraits },
    } as unknown as User;
    try {
      await client.createResource(user);
    } catch (err) {
      if (isCode(err, 'already_exists')) {
        throw new AlreadyExistsError(
          `failed to create user: user "${name}" already exists\n\nNOTE: To update an existing local user:\n> tctl users update ${name} --set-roles ${userRoles.join(',')} # replace roles`,
          { cause: err },
        );
      }
      throw err;
    }
    const token = await client.createUserToken(name, { type: 'invite', ttl_ms: ttl });
    if (legacy) inv.io.stdout.write(legacyNote(name));
    inv.io.stdout.write(formatUserLink('invite', token, ttl, inv.flags.format as string));
  },
};
