/**
 * The SSH adapter: the only folder that imports ssh2. Servers, sessions and clients as promises,
 * async iterables and Duplex streams, with OpenSSH certificates as our own `SSHCertificate` type.
 */
export { DEFAULT_HANDSHAKE_TIMEOUT_MS, startSSHServer } from './server.js';
export type { PeerAddress, SSHServer } from './server.js';
export type { AuthContext, AuthResult, SSHServerOptions } from './server-options.js';
export type { DirectTcpipRequest, ForwardedTcpipInfo, SSHConnection, SSHConnectionLimiter, TcpipForwardRequest } from './server-connection.js';
export type { SSHSession, SessionRequest, SSHChannel, PtyRequest, ExitStatus, TerminalModes } from './session.js';
export { connectSSH, SubsystemRefusedError } from './client.js';
export type { ConnectSSHOptions, ForwardedConnection, HostKeyInfo, PtyOptions, RemoteListener, SSHClient, SSHProcess, SubsystemChannel } from './client.js';
export { sftpError } from './sftp-client.js';
export type { RemoteEntry, RemoteStat, SFTPSession } from './sftp-client.js';
export type { SSHAlgorithms } from './algorithms.js';
