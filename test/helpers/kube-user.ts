/**
 * A Teleport user's kubeconfig for the real kubectl, made straight from a user certificate issued
 * by the cluster's auth API (before `tsh kube login` writes one): the key and X.509 certificate
 * inlined, the cluster's host CA trusted, the proxy's Kubernetes address as the server with
 * `tls-server-name: kube-teleport-proxy-alpn.teleport.cluster.local` (what the proxy's host
 * certificate names, and the SNI that routes to Kubernetes on the web port).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuthClient } from '../../src/api/client/index.js';

/** The SNI of Kubernetes traffic through Teleport (Teleport's GetKubeTLSServerName for an IP address). */
export const KUBE_TLS_SERVER_NAME = 'kube-teleport-proxy-alpn.teleport.cluster.local';

/** A kubeconfig file and kubectl run with it. */
export interface KubeUser {
  kubeconfig: string;
  certPem: string;
  keyPem: string;
  caPems: string[];
  /** kubectl with this kubeconfig; resolves with the exit code and output (never rejects on a non-zero exit). */
  kubectl(args: string[], o?: { env?: Record<string, string>; input?: string; timeoutMs?: number }): Promise<{ code: number; out: string; err: string }>;
}

/**
 * Writes `<dir>/<file>.kubeconfig` for `username` (a certificate routed to `kubeCluster` when
 * given) pointing at `server` (`https://127.0.0.1:<port>`).
 */
export async function kubeUser(admin: AuthClient, o: { dir: string; file: string; username: string; server: string; kubeCluster?: string; ttlMs?: number }): Promise<KubeUser> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certs = await admin.generateUserCerts({
    username: o.username,
    public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ...(o.kubeCluster && { kubernetes_cluster: o.kubeCluster }),
    ...(o.ttlMs && { ttl_ms: o.ttlMs }),
  } as Parameters<AuthClient['generateUserCerts']>[0]);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const name = o.file;
  const kubeconfig = join(o.dir, `${o.file}.kubeconfig`);
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [{ name, cluster: { server: o.server, 'certificate-authority-data': b64(certs.tls_ca_certs.join('')), 'tls-server-name': KUBE_TLS_SERVER_NAME } }],
      users: [{ name, user: { 'client-certificate-data': b64(certs.tls), 'client-key-data': b64(keyPem) } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
    }),
    { mode: 0o600 },
  );
  return {
    kubeconfig,
    certPem: certs.tls,
    keyPem,
    caPems: certs.tls_ca_certs,
    kubectl: (args, k = {}) => kubectl(kubeconfig, o.dir, args, k),
  };
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

/** Runs the real kubectl with `kubeconfig` (its cache under `dir`). */
export function kubectl(kubeconfig: string, dir: string, args: string[], o: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(dir, 'kube-cache')}`, '--request-timeout=20s', ...args],
      { env: { PATH: process.env.PATH, HOME: dir, ...o.env }, timeout: o.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout, err: stderr }),
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
    else child.stdin?.end();
  });
}
