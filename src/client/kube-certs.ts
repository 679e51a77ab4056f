/**
 * tsh's Kubernetes certificates, in Teleport's layout under the profile's key directory:
 * `keys/<proxy>/<user>-kube/<teleport-cluster>/<kube-cluster>-x509.pem`, each issued for the
 * profile's key and routed to one Kubernetes cluster; `tsh kube credentials` hands them to kubectl.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BadParameterError } from '../api/errors.js';
import type { ProfilePaths } from './profile.js';

/** A cached Kubernetes certificate. */
export interface KubeCert {
  certPem: string;
  expires: Date;
  kubernetesCluster?: string;
  kubernetesUsers: string[];
  kubernetesGroups: string[];
}

/** A name that is safe as a file name (cluster names are DNS-like). */
function fileName(name: string): string {
  if (!/^[A-Za-z0-9._@:-]{1,253}$/.test(name) || name === '.' || name === '..') throw new BadParameterError(`invalid cluster name ${JSON.stringify(name)}`);
  return name;
}

/** The directory of the profile's Kubernetes certificates for `teleportCluster`. */
export function kubeCertDir(paths: ProfilePaths, user: string, teleportCluster: string): string {
  return join(dirname(paths.key), `${user}-kube`, fileName(teleportCluster));
}

/** The path of the certificate for `kubeCluster`. */
export function kubeCertPath(paths: ProfilePaths, user: string, teleportCluster: string, kubeCluster: string): string {
  return join(kubeCertDir(paths, user, teleportCluster), `${fileName(kubeCluster)}-x509.pem`);
}

async function describe(certPem: string): Promise<KubeCert> {
  // Loaded when used: tsh's start-up must not pay for the X.509 library (profile.ts does the same).
  const { identityFromCertificate } = await import('../tlsca/index.js');
  const id = identityFromCertificate(certPem);
  return { certPem, expires: id.expires, ...(id.kubernetesCluster && { kubernetesCluster: id.kubernetesCluster }), kubernetesUsers: id.kubernetesUsers ?? [], kubernetesGroups: id.kubernetesGroups ?? [] };
}

/** Saves a Kubernetes certificate (0600); returns what it says. */
export async function saveKubeCert(paths: ProfilePaths, user: string, teleportCluster: string, kubeCluster: string, certPem: string): Promise<KubeCert> {
  const path = kubeCertPath(paths, user, teleportCluster, kubeCluster);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, certPem, { mode: 0o600 });
  return describe(certPem);
}

/** The cached certificate for `kubeCluster`, or undefined when there is none (or it cannot be read). */
export async function loadKubeCert(paths: ProfilePaths, user: string, teleportCluster: string, kubeCluster: string): Promise<KubeCert | undefined> {
  try {
    return await describe(await readFile(kubeCertPath(paths, user, teleportCluster, kubeCluster), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Removes every cached Kubernetes certificate of the profile's user. */
export async function removeKubeCerts(paths: ProfilePaths, user: string): Promise<void> {
  await rm(join(dirname(paths.key), `${user}-kube`), { recursive: true, force: true });
}
