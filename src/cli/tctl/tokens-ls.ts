/** `tctl tokens ls` and `tctl tokens rm <token>`. */
import type { TokenInfo } from '../../api/auth-wire.js';
import type { CommandSpec } from '../framework/index.js';
import { makeTable, toGoJSON, toTeleportYAML } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { formatLabels, parseLabelSpec, rfc822, roundedDuration } from './text-formats.js';

function asResource(t: TokenInfo) {
  return {
    kind: 'token',
    version: 'v2',
    metadata: { name: t.token, ...(Object.keys(t.labels ?? {}).length > 0 && { labels: t.labels }), ...(t.expires && { expires: t.expires }) },
    spec: { roles: t.roles, join_method: 'token' },
  };
}

/** The tokens ls command. */
export const tokensLsCommand: CommandSpec<TctlCtx> = {
  name: 'tokens ls',
  help: 'List node and user invitation tokens.',
  flags: [
    { name: 'format', type: 'string', enum: ['text', 'json', 'yaml'], help: "Output format, 'text', 'json' or 'yaml'" },
    { name: 'with-secrets', type: 'bool', help: 'Do not redact join tokens' },
    { name: 'labels', type: 'string', help: 'List of comma separated labels to filter by labels (e.g. key1=value1,key2=value2)' },
  ],
  async run(inv, ctx) {
    const { client } = await ctx.connect();
    const want = typeof inv.flags.labels === 'string' ? parseLabelSpec(inv.flags.labels) : {};
    const exp = (t: TokenInfo): number => (t.expires ? Date.parse(t.expires) : Number.NEGATIVE_INFINITY);
    const tokens = (await client.listTokens())
      .filter((t) => Object.entries(want).every(([k, v]) => t.labels?.[k] === v))
      .sort((a, b) => exp(a) - exp(b));
    const format = inv.flags.format as string | undefined;
    const out = inv.io.stdout;
    if (tokens.length === 0 && (format === undefined || format === 'text')) {
      out.write('No active tokens found.\n');
      return;
    }
    switch (format) {
      case 'json':
        out.write(toGoJSON(tokens.map(asResource)));
        return;
      case 'yaml':
        out.write(toTeleportYAML(tokens.map(asResource)));
        return;
      case 'text':
        out.write(tokens.map((t) => `${t.token}\n`).join(''));
        return;
    }
    const now = ctx.clock.now();
    const rows = tokens.map((t) => {
      const expiry = t.expires ? `${rfc822(new Date(t.expires))} (${roundedDuration(Date.parse(t.expires) - now)})` : 'never';
      return [t.token, t.roles.join(','), formatLabels(t.labels), expiry];
    });
    out.write(makeTable(['Token', 'Type', 'Labels', 'Expiry Time (UTC)'], rows));
  },
};

/** The tokens rm command. */
export const tokensRmCommand: CommandSpec<TctlCtx> = {
  name: 'tokens rm',
  aliases: ['del'],
  help: 'Delete/revoke an invitation token.',
  args: [{ name: 'token', help: 'Token to delete', required: true }],
  async run(inv, ctx) {
    const { client } = await ctx.connect();
    const token = inv.args.token as string;
    await client.deleteToken(token);
    inv.io.stdout.write(`Token ${token} has been deleted\n`);
  },
};
