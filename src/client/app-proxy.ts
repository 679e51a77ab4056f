/**
 * The far end of `tsh proxy app`: a TLS connection to the proxy's web port presenting the app
 * certificate (whose route names the app session), as Teleport's local ALPN proxy makes it.
 * HTTP apps ask for ALPN `http/1.1` (the local client's plain HTTP then travels inside), TCP apps
 * for `teleport-tcp` (raw bytes). SNI is the app's public address; the proxy's certificate is
 * checked against the proxy's own host name.
 */
import { checkServerIdentity, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { ConnectionProblemError } from '../api/errors.js';

/** Teleport's ALPN name for TCP apps (lib/srv/alpnproxy/common ProtocolTCP). */
export const ALPN_TCP_APP = 'teleport-tcp';

/** What one connection to an app through the proxy needs. */
export interface AppDialOptions {
  /** The proxy's web listener. */
  proxyHost: string;
  proxyPort: number;
  /** The app's public address (SNI). */
  publicAddr: string;
  tcp: boolean;
  certPem: string;
  keyPem: string;
  /** The cluster's TLS CAs (the proxy's certificate chain). */
  caPems: string[];
  insecure: boolean;
  timeoutMs?: number;
}

/** A TLS connection to the app through the proxy; ConnectionProblemError when it cannot be made. */
export function dialApp(o: AppDialOptions): Promise<TLSSocket> {
  const protocol = o.tcp ? ALPN_TCP_APP : 'http/1.1';
  const timeoutMs = o.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({
      host: o.proxyHost,
      port: o.proxyPort,
      ...(isIP(o.publicAddr) === 0 && { servername: o.publicAddr }),
      ALPNProtocols: [protocol],
      cert: o.certPem,
      key: o.keyPem,
      ...(o.caPems.length > 0 && { ca: o.caPems }),
      rejectUnauthorized: !o.insecure,
      // The proxy answers for its own name; the SNI only names the app.
      checkServerIdentity: (_host, cert) => checkServerIdentity(o.proxyHost, cert),
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new ConnectionProblemError(`cannot reach app ${o.publicAddr} through the proxy at ${o.proxyHost}:${o.proxyPort}: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    sock.once('error', fail);
    sock.once('secureConnect', () => {
      // A proxy that does not serve TCP apps refuses the ALPN name (the handshake fails above).
      if (o.tcp && sock.alpnProtocol !== protocol) return fail(new Error(`the proxy did not agree to ${protocol}`));
      clearTimeout(timer);
      sock.off('error', fail);
      resolve(sock);
    });
  });
}
