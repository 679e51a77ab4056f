/**
 * A TLS connection to the proxy's web port for one protocol (ALPN), presenting a routed client
 * certificate: what `tsh proxy db` and `tsh proxy app` open per local connection. The proxy's
 * certificate is checked for the proxy's own name; the SNI may name something else (an app).
 */
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { ConnectionProblemError } from '../api/errors.js';

/** What dialProxyTLS needs. */
export interface ProxyTLSDial {
  proxyHost: string;
  proxyPort: number;
  /** The SNI (the proxy's host, or an app's public address); left out for an IP address. */
  serverName: string;
  alpn: string;
  /** Refuse a proxy that does not agree to `alpn` (a proxy without the protocol's front). */
  requireAlpn: boolean;
  certPem: string;
  keyPem: string;
  /** CAs to trust for the proxy; none: the system's. */
  caPems: string[];
  insecure: boolean;
  /** Names what is dialed in errors (`the proxy's PostgreSQL front`, `app x`). */
  what: string;
  timeoutMs?: number;
}

/** The connection after its handshake; ConnectionProblemError naming `what` when it cannot be made. */
export function dialProxyTLS(o: ProxyTLSDial): Promise<TLSSocket> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({
      host: o.proxyHost,
      port: o.proxyPort,
      ...(isIP(o.serverName) === 0 && { servername: o.serverName }),
      ALPNProtocols: [o.alpn],
      cert: o.certPem,
      key: o.keyPem,
      ...(o.caPems.length > 0 && { ca: o.caPems }),
      rejectUnauthorized: !o.insecure,
      checkServerIdentity: (_host, cert) => checkServerIdentity(o.proxyHost, cert),
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectionProblemError(`cannot reach ${o.what} through the proxy at ${o.proxyHost}:${o.proxyPort}: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    sock.once('error', fail);
    sock.once('secureConnect', () => {
      if (o.requireAlpn && sock.alpnProtocol !== o.alpn) return fail(new Error(`the proxy did not agree to ${o.alpn}`));
      clearTimeout(timer);
      sock.off('error', fail);
      resolve(sock);
    });
  });
}
