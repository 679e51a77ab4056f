/**
 * `tsh kube credentials --kube-cluster=<kc> --teleport-cluster=<tc> [--proxy=<addr>]`: the exec
 * plugin kubectl runs (client.authentication.k8s.io/v1beta1). Prints an ExecCredential with a
 * certificate routed to the cluster and the profile's key; when the login has expired it fails
 * with "log in again: tsh login --proxy=..." on stderr, which kubectl shows, instead of kubectl
 * failing in the TLS handshake. Under per-session MFA it asks for the check each time kubectl runs
 * it and prints a one-minute certificate (kube-mfa.ts).
 */
import { BadParameterError } from '../../api/errors.js';
import { execCredential } from '../../client/kubeconfig.js';
import type { CommandSpec } from '../framework/index.js';
import { kubeCertificate, type ProfileIdentity } from './kube-clusters.js';
import { kubeSessionMFACert } from './kube-mfa.js';
import { connectProxy, loadIdentity, type TshCtx } from './tsh-context.js';

/** The command spec. */
export const kubeCredentialsCommand: CommandSpec<TshCtx> = {
  name: 'kube credentials',
  help: 'Get credentials for kubectl access.',
  hidden: true,
  flags: [
    { name: 'kube-cluster', type: 'string', required: true, help: 'Name of the Kubernetes cluster to get credentials for.' },
    { name: 'teleport-cluster', type: 'string', help: 'Name of the Teleport cluster to get credentials for.' },
  ],
  async run(inv, ctx) {
    const kube = String(inv.flags['kube-cluster']);
    const id = await loadIdentity(inv, ctx);
    if (!id.paths) throw new BadParameterError('Kubernetes credentials come from a tsh profile: run "tsh login --proxy=<proxy>"');
    const tc = inv.flags['teleport-cluster'];
    if (typeof tc === 'string' && tc !== '' && tc !== id.cluster) {
      throw new BadParameterError(`this profile is logged in to Teleport cluster "${id.cluster}", not "${tc}": run "tsh login --proxy=${id.webProxyAddr}" for it, or "tsh kube login" again`);
    }
    const now = (ctx.sys.now ?? Date.now)();
    const key = id.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Per-session MFA: a one-minute certificate for this kubectl run, not kept for the next.
    const mfa = await kubeSessionMFACert(inv, ctx, id as ProfileIdentity, kube);
    if (mfa) {
      inv.io.stdout.write(JSON.stringify(execCredential(mfa.certPem, key, mfa.expires)) + '\n');
      return;
    }
    const cert = await kubeCertificate(id as ProfileIdentity, kube, now, async () => {
      const p = await connectProxy(inv, ctx);
      return { auth: p.authClient(), close: () => p.close() };
    });
    // A minute early, so that kubectl asks again before the certificate expires mid-request.
    const left = cert.expires.getTime() - now;
    const expiry = new Date(left > 60_000 ? cert.expires.getTime() - 60_000 : cert.expires.getTime());
    inv.io.stdout.write(JSON.stringify(execCredential(cert.certPem, key, expiry)) + '\n');
  },
};
