/**
 * Certificate issuance: user certificates (OpenSSH + X.509 from one public key) and host
 * certificates for nodes, proxies and the auth server itself, with Teleport's contents
 * (principals, `permit-*` and `teleport-*` extensions, the X.509 identity subject).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { Clock } from '../api/clock.js';
import { HOUR, MINUTE } from '../api/duration.js';
import { BadParameterError } from '../api/errors.js';
import type { CertAuthority } from '../api/types/index.js';
import { formatCertificate, publicKeyToBlob, signCertificate } from '../sshca/index.js';
import type { Identity, RouteToApp, RouteToDatabase } from '../tlsca/index.js';
import { hostIdentitySANs, issueCertificate } from '../tlsca/index.js';
import { caSigner } from './authorities.js';

/** Teleport's defaults for user certificates. */
export const DEFAULT_USER_CERT_TTL = 12 * HOUR;
export const MAX_CERT_TTL = 30 * HOUR;
/** Host certificates are long-lived; CA rotation replaces them. */
export const HOST_CERT_TTL = 10 * 365 * 24 * HOUR;
/** SSH `ValidBefore` meaning "forever". */
const FOREVER = 0xffffffffffffffffn;

/** What a user certificate says, decided by the caller from the user and their roles. */
export interface UserCertParams {
  username: string;
  roles: string[];
  traits: Record<string, string[]>;
  logins: string[];
  ttlMs: number;
  clusterName: string;
  routeToCluster?: string;
  permitPortForwarding: boolean;
  permitAgentForwarding: boolean;
  /** `standard` (default) or `oldssh` (no teleport-* extensions, for OpenSSH <= 7.1). */
  certFormat?: string;
  usage?: string[];
  /** The database a `tsh db login` certificate routes to. */
  routeToDatabase?: RouteToDatabase;
  /** The app session a `tsh app login` certificate routes to. */
  routeToApp?: RouteToApp;
  /** The Kubernetes cluster a `tsh kube login` certificate routes to, and the users/groups the roles grant (kube-certs.ts). */
  kubernetesCluster?: string;
  kubernetesUsers?: string[];
  kubernetesGroups?: string[];
  /** More SSH extensions, set by auth itself (per-session MFA: `mfa-verified`, the node bound to). */
  extraExtensions?: Record<string, string>;
  /** Per-session MFA for a database or Kubernetes cluster: the device, in the X.509 identity (`1.3.9999.1.8`). */
  mfaVerified?: string;
}

/** Issued user credentials. */
export interface IssuedUserCerts {
  /** OpenSSH certificate line (`ssh-ed25519-cert-v01@openssh.com AAAA...`). */
  ssh: string;
  /** X.509 certificate PEM. */
  tls: string;
  expires: Date;
}

/** Signs an SSH and an X.509 certificate for `publicKey` with the user CA. */
export async function issueUserCerts(
  userCA: CertAuthority,
  publicKey: KeyObject,
  p: UserCertParams,
  clock: Clock,
): Promise<IssuedUserCerts> {
  const signer = caSigner(userCA);
  const now = clock.now();
  const expires = new Date(now + p.ttlMs);
  // An empty principal list would mean "any login" to OpenSSH: Teleport puts a placeholder instead.
  const principals = p.logins.length > 0 ? p.logins : [`-teleport-nologin-${randomUUID()}`];
  const extensions: Record<string, string> = { 'permit-pty': '' };
  if (p.permitPortForwarding) extensions['permit-port-forwarding'] = '';
  if (p.permitAgentForwarding) extensions['permit-agent-forwarding'] = '';
  if (p.certFormat !== 'oldssh') {
    extensions['teleport-roles'] = JSON.stringify({ version: 'v1', roles: p.roles });
    extensions['teleport-traits'] = JSON.stringify(p.traits);
    extensions['teleport-route-to-cluster'] = p.routeToCluster ?? p.clusterName;
  }
  Object.assign(extensions, p.extraExtensions);
  const sshCert = signCertificate({
    type: 'user',
    publicKey: publicKeyToBlob(publicKey),
    keyId: p.username,
    principals,
    validAfter: new Date(now - MINUTE),
    validBefore: expires,
    extensions,
    caPrivateKey: signer.sshPrivateKey(),
  });
  const identity: Identity = {
    username: p.username,
    groups: p.roles,
    principals,
    traits: p.traits,
    routeToCluster: p.routeToCluster ?? p.clusterName,
    teleportCluster: p.clusterName,
    expires,
    ...(p.usage && { usage: p.usage }),
    ...(p.routeToDatabase && { routeToDatabase: p.routeToDatabase }),
    ...(p.routeToApp && { routeToApp: p.routeToApp }),
    ...(p.kubernetesCluster && { kubernetesCluster: p.kubernetesCluster }),
    ...(p.kubernetesUsers?.length && { kubernetesUsers: p.kubernetesUsers }),
    ...(p.kubernetesGroups?.length && { kubernetesGroups: p.kubernetesGroups }),
    ...(p.mfaVerified && { mfaVerified: p.mfaVerified }),
  };
  const tls = await issueCertificate({
    caCertPem: signer.tlsCertPem(),
    caKeyPem: signer.tlsKeyPem(),
    publicKey,
    identity,
    clock,
    keyUsage: 'client',
  });
  return { ssh: formatCertificate(sshCert), tls, expires };
}

/** What a host certificate is for. */
export interface HostCertParams {
  hostId: string;
  nodeName: string;
  clusterName: string;
  /** System role: Node, Proxy, Auth, Admin, ... */
  role: string;
  additionalPrincipals?: string[];
  dnsNames?: string[];
}

/** Issued host credentials. */
export interface IssuedHostCerts {
  ssh: string;
  tls: string;
}

/** The SSH principals of a host certificate, per Teleport's BuildPrincipals. */
export function hostPrincipals(p: HostCertParams): string[] {
  if (p.role === 'Admin') return [p.hostId];
  const list = [
    `${p.hostId}.${p.clusterName}`,
    p.hostId,
    ...(p.nodeName ? [`${p.nodeName}.${p.clusterName}`, p.nodeName] : []),
    'localhost',
    '127.0.0.1',
    '::1',
    ...(p.additionalPrincipals ?? []),
  ];
  return [...new Set(list.filter((x) => x !== ''))];
}

/** Signs an SSH host certificate and an X.509 host certificate (client and server usage) with the host CA. */
export async function issueHostCerts(
  hostCA: CertAuthority,
  publicKey: KeyObject,
  p: HostCertParams,
  clock: Clock,
): Promise<IssuedHostCerts> {
  if (!/^[A-Za-z]+$/.test(p.role)) throw new BadParameterError(`invalid system role "${p.role}"`);
  const signer = caSigner(hostCA);
  const now = clock.now();
  const principals = hostPrincipals(p);
  const sshCert = signCertificate({
    type: 'host',
    publicKey: publicKeyToBlob(publicKey),
    keyId: `${p.hostId}.${p.clusterName}`,
    principals,
    validAfter: new Date(now - MINUTE),
    validBefore: FOREVER,
    extensions: { 'x-teleport-role': p.role, 'x-teleport-authority': p.clusterName },
    caPrivateKey: signer.sshPrivateKey(),
  });
  const sans = hostIdentitySANs({
    hostId: p.hostId,
    nodeName: p.nodeName,
    clusterName: p.clusterName,
    additional: [...(p.additionalPrincipals ?? []), ...(p.dnsNames ?? [])],
  });
  const tls = await issueCertificate({
    caCertPem: signer.tlsCertPem(),
    caKeyPem: signer.tlsKeyPem(),
    publicKey,
    identity: {
      username: `${p.hostId}.${p.clusterName}`,
      groups: [p.role],
      teleportCluster: p.clusterName,
      systemRoles: [p.role],
      expires: new Date(now + HOST_CERT_TTL),
    },
    dnsNames: sans.dnsNames,
    ipAddresses: sans.ipAddresses,
    clock,
    keyUsage: 'both',
  });
  return { ssh: formatCertificate(sshCert), tls };
}
