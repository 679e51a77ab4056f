/**
 * What `tctl tokens add --type=db` prints: Teleport's database agent instructions (its dbMessageTemplate
 * of the 6.x line this product follows), filled from `--db-name`, `--db-protocol` and `--db-uri`, with
 * Teleport's `[db-name]`-style placeholders for the ones not given.
 */
import type { ProxyServer } from '../../api/types/index.js';
import type { LoadedClient } from '../../client/index.js';
import type { JoinInstructions } from './join-instructions.js';

/** The database the agent will serve, as given on the command line. */
export interface DbJoinTarget {
  name?: string;
  protocol?: string;
  uri?: string;
}

/** Whether the token's roles make it a database agent token. */
export function isDbToken(roles: string[]): boolean {
  return roles.some((r) => r.toLowerCase() === 'db' || r.toLowerCase() === 'database');
}

/** Where database agents join: the first live proxy's public address (as Teleport), else the auth address tctl used. */
export async function dbAgentJoinAddr(loaded: LoadedClient): Promise<string> {
  try {
    const proxies = await loaded.client.listProxies<ProxyServer>();
    const addr = proxies.map((p) => p.spec.public_addr).find((a) => typeof a === 'string' && a !== '');
    if (addr) return addr;
  } catch {
    // A caller that may not list proxies still gets instructions with the address it reached.
  }
  return loaded.authAddr;
}

/** Teleport's database join message. */
export function formatDbJoinInstructions(j: JoinInstructions, db: DbJoinTarget): string {
  const minutes = Math.trunc(j.ttlMs / 60_000);
  const name = db.name || '[db-name]';
  const protocol = db.protocol || '[db-protocol]';
  const uri = db.uri || '[db-uri]';
  return [
    `The invite token: ${j.token}.`,
    `This token will expire in ${minutes} minutes.`,
    '',
    'Fill out and run this command on a node to start proxying the database:',
    '',
    '> teleport start \\',
    `   --roles=${j.roles.join(',').toLowerCase()} \\`,
    `   --token=${j.token} \\`,
    ...j.caPins.map((p) => `   --ca-pin=${p} \\`),
    `   --auth-server=${j.authServer} \\`,
    `   --db-name=${name} \\`,
    `   --db-protocol=${protocol} \\`,
    `   --db-uri=${uri}`,
    '',
    'Please note:',
    '',
    `  - This invitation token will expire in ${minutes} minutes.`,
    `  - Database address ${uri} must be reachable from the new database`,
    '    service.',
    '  - When proxying an on-prem database, it must be configured with Teleport CA',
    '    and key pair issued by "tctl auth sign --format=db" command.',
    '  - When proxying an AWS RDS or Aurora database, the region must also be',
    '    specified with --db-aws-region flag.',
    '',
  ].join('\n');
}
