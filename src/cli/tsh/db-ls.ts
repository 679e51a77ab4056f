/**
 * `tsh db ls [--format=text|json|yaml] [-v]`: the databases agents serve, in Teleport's table
 * (Name, Description, Allowed Users, Labels, Connect), the ones logged into marked `> name
 * (user: u, db: d)` with their connect command.
 */
import { stringify } from 'yaml';
import { isCode } from '../../api/errors.js';
import type { AgentServer, Role } from '../../api/types/index.js';
import type { AuthClient } from '../../api/client/index.js';
import { formatLabels, type DatabaseLogin } from '../../client/index.js';
import type { RouteToDatabase } from '../../tlsca/index.js';
import { makeTable, makeTableWithTruncatedColumn, type CommandSpec } from '../framework/index.js';
import { dbLogins, dbProfile } from './db-logins.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** The db resource a heartbeat carries. */
interface DatabaseResource {
  kind: 'db';
  version: string;
  metadata: { name: string; description?: string; labels?: Record<string, string> };
  spec: { protocol: string; uri: string };
}

/** Teleport's `> name (user: u, db: d)`. */
function activeName(r: RouteToDatabase): string {
  if (r.username && r.database) return `> ${r.serviceName} (user: ${r.username}, db: ${r.database})`;
  if (r.username) return `> ${r.serviceName} (user: ${r.username})`;
  if (r.database) return `> ${r.serviceName} (db: ${r.database})`;
  return `> ${r.serviceName}`;
}

/** Teleport's connect hint for an active login. */
function connectCommand(r: RouteToDatabase): string {
  return ['tsh', 'db', 'connect', ...(r.username ? [] : ['--db-user=<user>']), ...(r.database ? [] : ['--db-name=<name>']), r.serviceName].join(' ');
}

/** The db_users the roles allow, as Teleport prints them; `(unknown)` when the roles cannot be read. */
function allowedUsers(roles: Role[] | undefined, labels: Record<string, string>, traits: Record<string, string[]>): string {
  if (!roles) return '(unknown)';
  const allowed = new Set<string>();
  for (const r of roles) {
    const sel = r.spec.allow?.db_labels ?? {};
    const matches = Object.entries(sel).every(([k, v]) => k === '*' || (labels[k] !== undefined && [v].flat().some((x) => x === '*' || x === labels[k])));
    if (Object.keys(sel).length === 0 || !matches) continue;
    for (const u of r.spec.allow?.db_users ?? []) {
      // `{{internal.db_users}}` and `{{external.x}}` from the certificate's traits; other templates are not listed.
      const t = /^\{\{\s*(?:internal|external)\.([\w-]+)\s*\}\}$/.exec(u);
      if (t) for (const v of traits[t[1]] ?? []) allowed.add(v);
      else if (!u.includes('{{')) allowed.add(u);
    }
  }
  const list = [...allowed].sort((a, b) => (a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b)));
  return list.length === 0 ? '(none)' : `[${list.join(' ')}]`;
}

/** The user's roles, when the cluster lets them read them. */
async function readRoles(client: AuthClient, names: string[]): Promise<Role[] | undefined> {
  const out: Role[] = [];
  for (const n of names) {
    try {
      out.push(await client.getResource<Role>('role', n));
    } catch (err) {
      if (isCode(err, 'access_denied') || isCode(err, 'not_found')) return undefined;
      throw err;
    }
  }
  return out;
}

/** The text table. */
export function databasesTable(dbs: DatabaseResource[], active: DatabaseLogin[], roles: Role[] | undefined, traits: Record<string, string[]>, verbose: boolean, width: number): string {
  const rows = dbs.map((d) => {
    const login = active.find((a) => a.route.serviceName === d.metadata.name);
    const labels = d.metadata.labels ?? {};
    const name = login ? activeName(login.route) : d.metadata.name;
    const connect = login ? connectCommand(login.route) : '';
    return verbose
      ? [name, d.metadata.description ?? '', d.spec.protocol, 'self-hosted', d.spec.uri, allowedUsers(roles, labels, traits), formatLabels(labels), connect]
      : [name, d.metadata.description ?? '', allowedUsers(roles, labels, traits), formatLabels(labels), connect];
  });
  if (verbose) return makeTable(['Name', 'Description', 'Protocol', 'Type', 'URI', 'Allowed Users', 'Labels', 'Connect'], rows) + '\n';
  return makeTableWithTruncatedColumn(['Name', 'Description', 'Allowed Users', 'Labels', 'Connect'], rows, 'Labels', width) + '\n';
}

/** The command spec. */
export const dbLsCommand: CommandSpec<TshCtx> = {
  name: 'db ls',
  help: 'List all available databases.',
  flags: [
    { name: 'verbose', short: 'v', type: 'bool', help: 'Show extra database fields.' },
    { name: 'format', short: 'f', type: 'string', default: 'text', enum: ['text', 'json', 'yaml'], help: 'Format output (text, json, yaml)' },
  ],
  async run(inv, ctx) {
    const { identityFromCertificate } = await import('../../tlsca/index.js');
    const id = await dbProfile(inv, ctx);
    const proxy = await connectProxy(inv, ctx);
    let dbs: DatabaseResource[];
    let roles: Role[] | undefined;
    const certIdentity = identityFromCertificate(id.tlsCertPem);
    try {
      const client = proxy.authClient();
      const servers = await client.listAgentServers<AgentServer>('db_server');
      const seen = new Set<string>();
      dbs = servers
        .map((s) => s.spec.database as DatabaseResource | undefined)
        .filter((d): d is DatabaseResource => d !== undefined && !seen.has(d.metadata.name) && Boolean(seen.add(d.metadata.name)))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      roles = await readRoles(client, certIdentity.groups);
    } finally {
      proxy.close();
    }
    const out = inv.io.stdout;
    if (inv.flags.format === 'json') return void out.write(JSON.stringify(dbs, null, 2) + '\n');
    if (inv.flags.format === 'yaml') return void out.write((dbs.length === 0 ? '[]\n' : stringify(dbs, { sortMapEntries: true })) + '\n');
    out.write(databasesTable(dbs, await dbLogins(id), roles, certIdentity.traits ?? {}, inv.flags.verbose === true, out.columns ?? 80));
  },
};
