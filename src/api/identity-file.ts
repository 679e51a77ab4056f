/**
 * Identity files, as `tctl auth sign --format=file` writes them and `tsh -i` / `tctl -i` read them:
 * the private key PEM, the OpenSSH certificate line, the X.509 certificate PEM, the cluster's TLS CA
 * certificates and `@cert-authority` lines for the host CA, in that order.
 */
import { BadParameterError } from './errors.js';

/** The parts of an identity. */
export interface IdentityBundle {
  keyPem: string;
  sshCert?: string;
  tlsCert?: string;
  tlsCAs: string[];
  /** known_hosts lines (`@cert-authority ...`) trusting the cluster's host CA. */
  knownHosts: string[];
}

/** known_hosts line trusting an SSH host CA for a cluster's hosts. */
export function knownHostsLine(clusterName: string, caKeyLine: string): string {
  return `@cert-authority ${clusterName},*.${clusterName} ${caKeyLine.trim()} type=host`;
}

/** Serializes an identity file. */
export function formatIdentityFile(id: IdentityBundle): string {
  const parts = [id.keyPem.trim()];
  if (id.sshCert) parts.push(id.sshCert.trim());
  if (id.tlsCert) parts.push(id.tlsCert.trim());
  parts.push(...id.tlsCAs.map((c) => c.trim()));
  parts.push(...id.knownHosts.map((l) => l.trim()));
  return parts.join('\n') + '\n';
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Parses an identity file; BadParameterError naming what is missing. */
export function parseIdentityFile(text: string, source = 'identity file'): IdentityBundle {
  let keyPem: string | undefined;
  const certs: string[] = [];
  for (const m of text.matchAll(PEM)) {
    if (m[1].endsWith('PRIVATE KEY')) keyPem ??= m[0];
    else if (m[1] === 'CERTIFICATE') certs.push(m[0]);
  }
  if (!keyPem) throw new BadParameterError(`${source} has no private key`);
  const outside = text.replace(PEM, '').split('\n').map((l) => l.trim()).filter(Boolean);
  const sshCert = outside.find((l) => /^\S+-cert-v01@openssh\.com \S+/.test(l));
  const knownHosts = outside.filter((l) => l.startsWith('@cert-authority '));
  return {
    keyPem,
    ...(sshCert && { sshCert }),
    ...(certs[0] && { tlsCert: certs[0] }),
    tlsCAs: certs.slice(1),
    knownHosts,
  };
}
