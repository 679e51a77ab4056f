/** What `startSSHServer` takes: the listener, host key, login decision and the handlers of each request. */
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../log/index.js';
import type { SSHCertificate } from '../sshca/index.js';
import type { SSHAlgorithms } from './algorithms.js';
import type { DirectTcpipRequest, SSHConnection, SSHConnectionLimiter, TcpipForwardRequest } from './server-connection.js';
import type { SSHSession } from './session.js';

/** Everything `authenticate` needs to decide a publickey login. */
export interface AuthContext {
  username: string;
  /** The algorithm the client named (`ssh-ed25519`, `rsa-sha2-512-cert-v01@openssh.com`...). */
  keyAlgo: string;
  /** The offered key or certificate blob. */
  keyBlob: Buffer;
  /** The parsed certificate when a certificate was offered (not yet checked for trust). */
  cert?: SSHCertificate;
  /** True only when the client's signature over this session verifies with the offered key. */
  signatureOk: boolean;
  remoteAddress: string;
  remotePort: number;
}

/** The verdict; `identity` is handed back on every session and channel of the connection. */
export interface AuthResult {
  allow: boolean;
  identity?: unknown;
  /** Why not (logged, never sent to the client). */
  reason?: string;
  /**
   * Allowed in, but only to be told this (a limit reached): every shell, command or subsystem gets
   * it on stderr with exit status 1, then the connection ends.
   */
  refusal?: string;
}

/** Options of `startSSHServer`. */
export interface SSHServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * False: open no listener; connections arrive only through `serveConnection` (a node reached
   * through a reverse tunnel). `host`/`port` are then ignored. Default true.
   */
  listen?: boolean;
  /**
   * What this listener's connections do when a successor process takes over at reload: `drain`
   * (default) keeps sessions until they end; `drop` ends them so agents reconnect to the successor.
   */
  handover?: 'drain' | 'drop';
  /** The host's private key. */
  hostKey: KeyObject;
  /** An OpenSSH host certificate line (or blob) for `hostKey`, offered ahead of the plain key. */
  hostCert?: string | Buffer;
  /** Decide a signed publickey login. Throwing counts as a refusal. */
  authenticate(ctx: AuthContext): Promise<AuthResult>;
  /** Called for each session channel; consume `session.requests`. */
  onSession(session: SSHSession): void;
  /** direct-tcpip channels; refused when absent. */
  onDirectTcpip?(req: DirectTcpipRequest): void;
  /** Called once per authenticated connection, before any of its channels or requests. */
  onConnection?(conn: SSHConnection): void;
  /** `tcpip-forward` / `cancel-tcpip-forward` global requests; refused when absent. */
  onTcpipForward?(req: TcpipForwardRequest): void;
  /**
   * How long a client may take from TCP connect to a successful login before it is dropped
   * (garbage, stalled or half-open connections). Default DEFAULT_HANDSHAKE_TIMEOUT_MS.
   */
  handshakeTimeoutMs?: number;
  /** Server identification suffix (after `SSH-2.0-`). */
  ident?: string;
  /** Ciphers, key exchanges and MACs to offer (teleport.yaml); ssh2's defaults for those not given. */
  algorithms?: SSHAlgorithms;
  /** `connection_limits`: per-address and per-user admission; no limits when absent. */
  limiter?: SSHConnectionLimiter;
  logger: Logger;
}
