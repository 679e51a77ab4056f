/**
 * `tctl auth export [--type=user|host|tls|tls-host|tls-user|db]`: the cluster's CA public keys as
 * authorized_keys (`cert-authority ...`) and known_hosts (`@cert-authority *.<cluster> ...`) lines,
 * or TLS CA certificates as PEM.
 */
import { BadParameterError } from '../../api/errors.js';
import type { CertAuthority } from '../../api/types/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';

/** Export types we support. */
export const EXPORT_TYPES = ['user', 'host', 'tls', 'tls-host', 'tls-user', 'db'] as const;

const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** `<type> <base64>` of an authorized_keys line (comment dropped). */
function keyPart(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

function sshLines(ca: CertAuthority): string[] {
  return (ca.spec.active_keys?.ssh ?? []).map((k) => keyPart(unb64(k.public_key)));
}

function tlsCerts(ca: CertAuthority): string[] {
  return (ca.spec.active_keys?.tls ?? []).map((k) => {
    const pem = unb64(k.cert);
    return pem.endsWith('\n') ? pem : `${pem}\n`;
  });
}

/** The export lines for one type over the given CAs. */
export function exportText(type: string | undefined, cas: CertAuthority[]): string {
  const of = (t: string) => cas.filter((c) => c.spec.type === t);
  const userLines = () => of('user').flatMap((ca) => sshLines(ca).map((k) => `cert-authority ${k} clustername=${ca.spec.cluster_name}&type=user\n`));
  const hostLines = () => of('host').flatMap((ca) => sshLines(ca).map((k) => `@cert-authority *.${ca.spec.cluster_name} ${k} type=host\n`));
  switch (type) {
    case undefined:
    case '':
      return [...hostLines(), ...userLines()].join('');
    case 'user':
      return userLines().join('');
    case 'host':
      return hostLines().join('');
    case 'tls':
    case 'tls-host':
      return of('host').flatMap(tlsCerts).join('');
    case 'tls-user':
      return of('user').flatMap(tlsCerts).join('');
    case 'db':
      return of('db').flatMap(tlsCerts).join('');
    default:
      throw new BadParameterError(`unsupported --type "${type}": expected one of ${EXPORT_TYPES.join(', ')}`);
  }
}

/** The auth export command. */
export const authExportCommand: CommandSpec<TctlCtx> = {
  name: 'auth export',
  help: 'Export public cluster CA certificates to stdout.',
  flags: [{ name: 'type', type: 'string', enum: [...EXPORT_TYPES], help: `Export certificate type (${EXPORT_TYPES.join(', ')})` }],
  async run(inv, ctx) {
    const { client, clusterName } = await ctx.connect();
    const cas = (await client.listResources<CertAuthority>('cert_authority')).filter((c) => c.spec.cluster_name === clusterName);
    inv.io.stdout.write(exportText(inv.flags.type as string | undefined, cas));
  },
};
