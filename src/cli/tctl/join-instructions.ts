/**
 * The text `tctl tokens add` and `tctl nodes add` print after creating a join token: Teleport's node
 * template (with the `teleport start` line), or the trusted-cluster message.
 */
import { pinOf } from '../../api/client/index.js';
import type { TokenInfo } from '../../api/auth-wire.js';
import type { LoadedClient } from '../../client/index.js';

/** Everything the instructions need. */
export interface JoinInstructions {
  token: string;
  /** System roles as the server stored them (`Node`, `Proxy`...). */
  roles: string[];
  ttlMs: number;
  caPins: string[];
  authServer: string;
}

/** The cluster's CA pins (every host CA TLS certificate) as `tctl status` prints them. */
export async function clusterPins(loaded: LoadedClient): Promise<string[]> {
  const ping = await loaded.client.ping();
  return (ping.host_ca_certs ?? []).map(pinOf);
}

/** Gathers pins and the auth address for a created token. */
export async function joinInstructions(loaded: LoadedClient, info: TokenInfo, ttlMs: number): Promise<JoinInstructions> {
  return { token: info.token, roles: info.roles, ttlMs, caPins: await clusterPins(loaded), authServer: loaded.authAddr };
}

/** Teleport's nodeMessageTemplate / trustedClusterMessage. */
export function formatJoinInstructions(j: JoinInstructions): string {
  const minutes = Math.trunc(j.ttlMs / 60_000);
  if (j.roles.some((r) => r.toLowerCase() === 'trusted_cluster')) {
    return `The cluster invite token: ${j.token}\nThis token will expire in ${minutes} minutes\n\nUse this token when defining a trusted cluster resource on a remote cluster.\n`;
  }
  const lines = [
    `The invite token: ${j.token}`,
    `This token will expire in ${minutes} minutes.`,
    '',
    'Run this on the new node to join the cluster:',
    '',
    '> teleport start \\',
    `   --roles=${j.roles.join(',').toLowerCase()} \\`,
    `   --token=${j.token} \\`,
    ...j.caPins.map((p) => `   --ca-pin=${p} \\`),
    `   --auth-server=${j.authServer}`,
    '',
    'Please note:',
    '',
    `  - This invitation token will expire in ${minutes} minutes`,
    `  - ${j.authServer} must be reachable from the new node`,
    '',
  ];
  return lines.join('\n');
}
