/**
 * The proxy's side of a Kubernetes service's listener (src/kube/listener.ts): mutual TLS over the
 * TCP connection the route core dialed, the proxy presenting its host certificate, the service's
 * certificate checked against the host CA and required to name the host that heartbeated the
 * cluster (`<host_id>.<cluster>`), so an address taken over by another host is not trusted.
 */
import { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { connect, type PeerCertificate } from 'node:tls';
import { AccessDeniedError, ConnectionProblemError } from '../../api/errors.js';
import { identityFromCertificate } from '../../tlsca/index.js';
import type { RouteTarget } from '../route/index.js';

/** How long the service may take to complete the handshake. */
const HANDSHAKE_TIMEOUT_MS = 15_000;

/** The proxy's host identity and the CAs it trusts for hosts. */
export interface ProxyHostTLS {
  keyPem: string;
  certPem: string;
  /** The cluster's host CA certificates. */
  caPems: string[];
}

/** Checks the service's certificate names the host of `target`; an Error when not. */
function checkServiceIdentity(cert: PeerCertificate, expected: string): Error | undefined {
  try {
    const id = identityFromCertificate(new X509Certificate(cert.raw));
    if (id.username !== expected) return new AccessDeniedError(`the Kubernetes service presented the certificate of "${id.username}", not of "${expected}"`);
    return undefined;
  } catch (err) {
    return new AccessDeniedError(`the Kubernetes service's certificate cannot be read: ${(err as Error).message}`);
  }
}

/** TLS to the Kubernetes service of `target` over `socket`; resolves once the handshake is done. */
export function kubeServiceTLS(tls: ProxyHostTLS, clusterName: string, socket: Duplex, target: RouteTarget): Promise<Duplex> {
  const expected = `${target.hostId}.${clusterName}`;
  return new Promise((resolve, reject) => {
    const conn = connect({
      socket,
      key: tls.keyPem,
      cert: tls.certPem,
      ca: tls.caPems,
      servername: 'kube.teleport.cluster.local',
      checkServerIdentity: (_host, cert) => checkServiceIdentity(cert, expected),
    });
    const timer = setTimeout(() => fail(new Error(`TLS handshake not done after ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      conn.destroy();
      reject(err instanceof AccessDeniedError ? err : new ConnectionProblemError(`TLS to the Kubernetes service: ${err.message}`, { cause: err }));
    };
    conn.once('error', fail);
    conn.once('secureConnect', () => {
      clearTimeout(timer);
      conn.off('error', fail);
      conn.setNoDelay(true);
      resolve(conn);
    });
  });
}
