/**
 * The far end of `tsh proxy app`: a TLS connection to the proxy's web port presenting the app
 * certificate (whose route names the app session), as Teleport's local ALPN proxy makes it.
 * HTTP apps ask for ALPN `http/1.1` (the local client's plain HTTP then travels inside), TCP apps
 * for `teleport-tcp` (raw bytes). SNI is the app's public address; the proxy's certificate is
 * checked against the proxy's own host name.
 */
import type { TLSSocket } from 'node:tls';
import { dialProxyTLS } from './proxy-tls.js';

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
  const alpn = o.tcp ? ALPN_TCP_APP : 'http/1.1';
  // The SNI names the app; a proxy that does not serve TCP apps refuses their ALPN name.
  return dialProxyTLS({ ...o, serverName: o.publicAddr, alpn, requireAlpn: o.tcp, what: `app ${o.publicAddr}` });
}
