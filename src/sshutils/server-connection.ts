/**
 * What the server's connection-level handlers see: one authenticated connection, the channel and
 * global requests made on it, and the admission of connections and users. Types only, shared by
 * server.ts, connection.ts, session.ts, forwarding.ts and admission.ts.
 */
import type { Duplex } from 'node:stream';

/** One authenticated connection, as seen by connection-level handlers. */
export interface SSHConnection {
  username: string;
  remoteAddress: string;
  remotePort: number;
  /** Our end of the TCP connection (for SSH_CONNECTION and audit). */
  localAddress: string;
  localPort: number;
  identity: unknown;
  /** Bytes received from the client so far: a cheap activity signal for idle timeouts. */
  bytesReceived(): number;
  /** Send `keepalive@openssh.com` (want-reply): a live client answers, which shows in bytesReceived. */
  keepAlive(): void;
  /** Open a `forwarded-tcpip` channel to the client (see forwarding.ts). */
  openForwardedTcpip(info: ForwardedTcpipInfo): Promise<Duplex>;
  /** Disconnect the client. Safe to call twice. */
  close(): void;
  /** Run `cb` once when the connection is gone (at once if it already is). */
  onClose(cb: () => void): void;
}

/** A `direct-tcpip` channel request (the client's `-L` or `-W`/ProxyJump). */
export interface DirectTcpipRequest {
  conn: SSHConnection;
  destHost: string;
  destPort: number;
  originHost: string;
  originPort: number;
  accept(): Duplex;
  reject(): void;
}

/** A `tcpip-forward` (the client's `-R`) or `cancel-tcpip-forward` global request. */
export interface TcpipForwardRequest {
  conn: SSHConnection;
  /** `forward` asks the server to listen; `cancel` asks it to stop. */
  kind: 'forward' | 'cancel';
  /** The address to bind as the client wrote it (`''`, `localhost`, `0.0.0.0`, `*`, an IP). */
  bindAddr: string;
  /** 0 asks the server to pick a port (reported back through `accept`). */
  bindPort: number;
  /** Say yes; for `forward` with bindPort 0, pass the port actually bound. Safe to call twice. */
  accept(boundPort?: number): void;
  /** Say no. Safe to call twice. */
  reject(): void;
}

/** Where a forwarded connection came from and which forward it arrived on. */
export interface ForwardedTcpipInfo {
  /** The bind address and port of the accepted `tcpip-forward`, exactly as the client asked. */
  boundAddr: string;
  boundPort: number;
  /** The peer that connected to the forwarded port. */
  originAddr: string;
  originPort: number;
}

/**
 * Admission of connections (src/limiter's ConnectionLimiter fits). Each acquire throws to refuse,
 * with the message the client is shown, and returns the release run when the connection closes.
 */
export interface SSHConnectionLimiter {
  /** On connect, by the client's address (the tunnelled client's for `serveConnection`). */
  acquireConnection(remoteAddress: string): () => void;
  /** On a successful login, by the certificate's key ID (the Teleport user), else the login. */
  acquireUser(user: string): () => void;
}
