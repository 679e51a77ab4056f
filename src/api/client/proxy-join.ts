/**
 * A host's side of joining through the proxy (`proxy_server` in teleport.yaml): find the proxy's
 * tunnel address, and register with a join token over `POST /webapi/host/credentials`. The proxy
 * is trusted as Teleport's joiners trust auth: with CA pins, the host CA it exports must match a
 * pin and the proxy's certificate must be signed by it (or, for a proxy with a certificate of its
 * own from `https_keypairs`, pass the system's verification); without pins, the host CA offered
 * on first use is trusted, as when joining auth directly.
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { HostCertsResponse, RegisterRequest } from '../auth-wire.js';
import { ConnectionProblemError } from '../errors.js';
import { matchPins } from './ca-pin.js';
import { call, callStream, type TransportOptions } from './transport.js';

/** `GET /webapi/find`: the parts agents use. */
export interface ProxyFind {
  cluster_name: string;
  server_version: string;
  proxy: {
    ssh: { public_addr?: string; ssh_public_addr?: string; ssh_tunnel_public_addr?: string; tunnel_listen_addr?: string };
    /** The web port routes every protocol by ALPN: agents dial tunnels there (`teleport-reversetunnel`). */
    tls_routing_enabled?: boolean;
  };
}

/** Where the proxy is and how long to wait. */
export interface ProxyJoinOptions {
  /** The proxy's web address, `host:port`. */
  addr: string;
  caPins: string[];
  timeoutMs?: number;
  /** `teleport start --insecure`: accept any certificate the proxy presents (the exported CA is still checked against the pins). */
  insecure?: boolean;
}

const base = (o: { addr: string; timeoutMs?: number }): TransportOptions => ({
  addr: o.addr,
  peerName: 'proxy',
  ...(o.timeoutMs && { timeoutMs: o.timeoutMs }),
});

/**
 * Asks the proxy at `addr` where its tunnel listener is. Unverified on purpose: the answer is
 * public, and the tunnel it points to is authenticated by the proxy's host certificate.
 * ConnectionProblemError when nothing answers like a Teleport proxy.
 */
export async function findProxy(o: { addr: string; timeoutMs?: number }): Promise<ProxyFind> {
  const res = await call<ProxyFind>({ ...base(o), insecure: true }, 'GET', '/webapi/find');
  if (typeof res.body?.proxy?.ssh !== 'object') throw new ConnectionProblemError(`${o.addr} did not answer like a Teleport proxy`);
  return res.body;
}

/** True when `addr` answers `/webapi/find` like a Teleport proxy (an auth server does not). */
export async function isProxy(o: { addr: string; timeoutMs?: number }): Promise<boolean> {
  try {
    await findProxy(o);
    return true;
  } catch {
    return false;
  }
}

/**
 * Registers through the proxy with `req.token`. Throws AccessDeniedError when the proxy's CA does
 * not match the pins (nothing is sent then) or the token is refused, ConnectionProblemError when
 * the proxy cannot be reached or its certificate is not trusted.
 */
export async function joinViaProxy(o: ProxyJoinOptions, req: RegisterRequest): Promise<HostCertsResponse> {
  const res = await callStream({ ...base(o), insecure: true }, 'GET', '/webapi/auth/export?type=tls-host');
  const peerDer = (res.socket as TLSSocket).getPeerCertificate?.(true)?.raw;
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const offered = Buffer.concat(chunks).toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (offered.length === 0) throw new ConnectionProblemError(`the proxy at ${o.addr} exported no host CA certificate`);
  const trusted = o.caPins.length > 0 ? matchPins(offered, o.caPins) : offered;
  const signedByCA = peerDer !== undefined && trusted.some((pem) => new X509Certificate(peerDer).verify(new X509Certificate(pem).publicKey));
  const opts: TransportOptions = {
    ...base(o),
    // A proxy certificate from the host CA is checked against the pinned CA; any other must pass
    // the system's verification.
    ...(signedByCA && { caPems: trusted }),
    ...(o.insecure && !signedByCA && { insecure: true }),
    untrustedHint: `the proxy at ${o.addr} presented a certificate neither signed by the cluster's host CA nor trusted by this system`,
  };
  return (await call<HostCertsResponse>(opts, 'POST', '/webapi/host/credentials', req)).body;
}
