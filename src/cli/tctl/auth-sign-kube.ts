/**
 * `tctl auth sign --user=<u> --format=kubernetes --out=<kubeconfig> --proxy=<host:port>
 * [--kube-cluster-name=<kube>]`: a fresh key and a user certificate (routed to the Kubernetes
 * cluster when named) written into a kubeconfig with the credentials inline, for CI jobs and
 * other places tsh does not run (Teleport's identityfile FormatKubernetes). The server is the
 * proxy's Kubernetes address from its ping (the web address with `tls-server-name` under TLS
 * routing); other entries of an existing file are kept with --overwrite.
 */
import { isAbsolute, resolve } from 'node:path';
import type { UserCertsRequest } from '../../api/auth-wire.js';
import type { AuthClient } from '../../api/client/index.js';
import { WebClient } from '../../api/client/index.js';
import { AlreadyExistsError, BadParameterError } from '../../api/errors.js';
import { generateUserKey, webProxyAddr } from '../../client/index.js';
import { addStaticEntries, emptyKubeConfig, kubeProxyAddr, loadKubeConfig, saveKubeConfig } from '../../client/kubeconfig.js';

/** What the kubernetes format needs. */
export interface KubeSignOptions {
  client: AuthClient;
  user: string;
  out: string;
  proxy: string | undefined;
  kubeCluster: string | undefined;
  ttlMs: number;
  overwrite: boolean;
  cwd: string;
  insecure: boolean;
}

/** Signs and writes the kubeconfig; returns its path. AlreadyExistsError for an existing file without --overwrite. */
export async function signKubeconfig(o: KubeSignOptions): Promise<string> {
  if (!o.proxy) throw new BadParameterError('--format=kubernetes needs the address kubectl will reach: add --proxy=<proxy host:port>');
  const path = isAbsolute(o.out) ? o.out : resolve(o.cwd, o.out);
  const existing = await loadKubeConfig(path);
  const had = existing.clusters.length + existing.contexts.length + existing.users.length > 0;
  if (had && !o.overwrite) throw new AlreadyExistsError(`refusing to overwrite existing file(s): ${path}; use --overwrite to replace them`);
  const addr = webProxyAddr(o.proxy);
  const pong = await o.client.ping();
  const ping = await new WebClient({ addr, insecure: o.insecure, caPems: pong.host_ca_certs }).ping();
  const { server, tlsServerName } = kubeProxyAddr(ping.proxy as Parameters<typeof kubeProxyAddr>[0], addr);
  const key = generateUserKey();
  const req: UserCertsRequest & { kubernetes_cluster?: string } = { username: o.user, public_key: key.publicKeyPem, ttl_ms: o.ttlMs, ...(o.kubeCluster && { kubernetes_cluster: o.kubeCluster }) };
  const certs = await o.client.generateUserCerts(req);
  const cfg = addStaticEntries(had ? existing : emptyKubeConfig(), {
    teleportCluster: certs.cluster_name,
    server,
    ...(tlsServerName && { tlsServerName }),
    caPems: certs.tls_ca_certs,
    ...(o.kubeCluster && { kubeCluster: o.kubeCluster }),
    certPem: certs.tls,
    keyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  await saveKubeConfig(path, cfg);
  return path;
}
