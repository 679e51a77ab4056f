/**
 * Per-session MFA for Kubernetes: when the cluster or a role sets `require_session_mfa`, the exec
 * plugin (`tsh kube credentials`) answers an MFA challenge on each kubectl run (a TOTP code on
 * kubectl's terminal, or a security key through the browser) and hands kubectl a one-minute
 * certificate routed to the Kubernetes cluster and marked MFA-verified.
 */
import type { Invocation } from '../framework/index.js';
import { sessionMFACerts } from './mfa-session.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

/** The MFA-verified certificate for `kubeCluster` and when it expires, or undefined when no check is required. */
export async function kubeSessionMFACert(inv: Invocation, ctx: TshCtx, kubeCluster: string): Promise<{ certPem: string; expires: Date } | undefined> {
  const proxy = await connectProxy(inv, ctx);
  try {
    const certs = await sessionMFACerts(inv, proxy, async () => ({ kubernetes_cluster: kubeCluster }));
    return certs && { certPem: certs.tls, expires: new Date(certs.expires) };
  } finally {
    proxy.close();
  }
}
