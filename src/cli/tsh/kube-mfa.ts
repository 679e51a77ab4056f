/**
 * Per-session MFA for Kubernetes: when the cluster or a role sets `require_session_mfa`, the exec
 * plugin (`tsh kube credentials`) answers an MFA challenge on each kubectl run (a TOTP code on
 * kubectl's terminal, or a security key through the browser) and hands kubectl a one-minute
 * certificate routed to the Kubernetes cluster and marked MFA-verified. That MFA is not required is
 * remembered beside the cached certificate for a few minutes, so a kubectl run without it costs no
 * connection to the proxy.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { kubeCertPath } from '../../client/kube-certs.js';
import type { Invocation } from '../framework/index.js';
import { sessionMFACerts } from './mfa-session.js';
import type { ProfileIdentity } from './kube-clusters.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** How long "no MFA check required" is trusted (a cluster that starts requiring it is noticed within this). */
const NOT_REQUIRED_TTL_MS = 5 * 60_000;

/** The MFA-verified certificate for `kubeCluster` and when it expires, or undefined when no check is required. */
export async function kubeSessionMFACert(inv: Invocation, ctx: TshCtx, id: ProfileIdentity, kubeCluster: string): Promise<{ certPem: string; expires: Date } | undefined> {
  const now = (ctx.sys.now ?? Date.now)();
  const marker = `${kubeCertPath(id.paths, id.username, id.cluster, kubeCluster)}.no-session-mfa`;
  if (await freshMarker(marker, now)) return undefined;
  const proxy = await connectProxy(inv, ctx);
  try {
    const certs = await sessionMFACerts(inv, proxy, async () => ({ kubernetes_cluster: kubeCluster }));
    if (!certs) {
      await mkdir(dirname(marker), { recursive: true, mode: 0o700 });
      await writeFile(marker, String(now), { mode: 0o600 });
      return undefined;
    }
    return { certPem: certs.tls, expires: new Date(certs.expires) };
  } finally {
    proxy.close();
  }
}

/** True when the marker was written within NOT_REQUIRED_TTL_MS (and not in the future). */
async function freshMarker(path: string, now: number): Promise<boolean> {
  try {
    const at = Number(await readFile(path, 'utf8'));
    return Number.isFinite(at) && at <= now && now - at < NOT_REQUIRED_TTL_MS;
  } catch {
    return false;
  }
}
