/**
 * An SSH client on ssh2 with promise and stream results: publickey (or certificate) login, host
 * keys and host certificates checked by the caller, exec/shell/subsystem, direct-tcpip, remote
 * forwarding (`tcpip-forward`) and SFTP.
 */
import type { KeyObject } from 'node:crypto';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Client, ClientChannel, PseudoTtyOptions, SFTPWrapper, TcpConnectionDetails } from 'ssh2';
import { AccessDeniedError, ConnectionProblemError } from '../api/errors.js';
import { CERT_SUFFIX, parseCertificate, sshKeyType } from '../sshca/index.js';
import type { SSHCertificate } from '../sshca/index.js';
import type { ExitStatus, TerminalModes } from './session.js';
import { wrapSFTP, type SFTPSession } from './sftp-client.js';
import { ssh2Algorithms, type SSHAlgorithms } from './algorithms.js';
import { toSSH2Key } from './ssh2-key.js';
import { ssh2 } from './ssh2-module.js';

/** The server's host key as presented: its plain key blob, and the certificate if it sent one. */
export interface HostKeyInfo {
  /** Plain public key blob (the certified key for a certificate). */
  blob: Buffer;
  cert?: SSHCertificate;
}

/** Options of `connectSSH`; give `sock` (an established stream) or `host`/`port`. */
export interface ConnectSSHOptions {
  sock?: Duplex;
  host?: string;
  port?: number;
  username: string;
  privateKey: KeyObject;
  /** An OpenSSH user certificate line or blob for `privateKey`; when given only it is offered. */
  cert?: string | Buffer;
  /** Trust decision for the host key or host certificate; false aborts the handshake. */
  verifyHostKey(key: HostKeyInfo): boolean;
  /**
   * Ask the server to forward `agent` (an ssh-agent socket path) on sessions. A server that
   * refuses does not fail the session: it runs without, with `agentForwardRefused` set.
   */
  agentForward?: boolean;
  agent?: string;
  /** Handshake timeout in ms (default 20000). */
  timeoutMs?: number;
  /** Ciphers, key exchanges and MACs to offer (teleport.yaml); ssh2's defaults for those not given. */
  algorithms?: SSHAlgorithms;
}

/** A pty for exec/shell. */
export interface PtyOptions {
  term?: string;
  cols?: number;
  rows?: number;
  modes?: TerminalModes;
}

/** A remote command or shell: its streams and how it ended. */
export interface SSHProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /**
   * Resolves when the channel closes, which needs stdout and stderr read to their end;
   * `code` -1 when the server sent no exit status.
   */
  exit: Promise<ExitStatus>;
  /** window-change. */
  resize(cols: number, rows: number): void;
  /** Send a signal by name without SIG (`TERM`, `INT`). */
  signal(name: string): void;
  /** True when agent forwarding was asked for and the server said no. */
  agentForwardRefused?: boolean;
}

/** Where a connection the server forwarded to us (`forwarded-tcpip`) came from and arrived. */
export interface ForwardedConnection {
  /** The address and port the server listens on, as the server reports them. */
  bindHost: string;
  bindPort: number;
  originHost: string;
  originPort: number;
}

/** A listener the server runs for us (`tcpip-forward`); `close` cancels it, safe to call twice. */
export interface RemoteListener {
  /** The port the server bound (the allocated one when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/** A subsystem channel: the byte stream, plus its stderr (where servers write why they gave up). */
export type SubsystemChannel = Duplex & { stderr: Readable };

/** The server refused a subsystem; `serverMessage` is what it wrote on stderr first (may be empty). */
export class SubsystemRefusedError extends ConnectionProblemError {
  readonly serverMessage: string;
  constructor(name: string, serverMessage: string, options?: { cause?: unknown }) {
    super(serverMessage !== '' ? serverMessage : `ssh: the server refused the subsystem "${name}"`, options);
    this.serverMessage = serverMessage;
  }
}

/** A connected, authenticated client. `close` is safe to call twice. */
export interface SSHClient {
  exec(command: string, opts?: { pty?: PtyOptions; env?: Record<string, string> }): Promise<SSHProcess>;
  shell(opts?: { pty?: PtyOptions; env?: Record<string, string> }): Promise<SSHProcess>;
  /** Rejects with SubsystemRefusedError (with the server's stderr text) when the server refuses. */
  subsystem(name: string): Promise<SubsystemChannel>;
  /** Open a direct-tcpip channel to `destHost:destPort` as seen from the server. */
  forwardOut(destHost: string, destPort: number, originHost?: string, originPort?: number): Promise<Duplex>;
  /**
   * Ask the server to listen on `bindHost:bindPort` (0: any free port) and hand each connection
   * to `onConnection`. Rejects with AccessDeniedError when the server refuses.
   */
  forwardIn(bindHost: string, bindPort: number, onConnection: (stream: Duplex, info: ForwardedConnection) => void): Promise<RemoteListener>;
  /** Start the SFTP subsystem. Rejects with ConnectionProblemError when the server has none. */
  sftp(): Promise<SFTPSession>;
  /** Resolves when the connection is gone (closed by either side). */
  readonly closed: Promise<void>;
  close(): void;
}

/** Host key algorithms we offer: certificates first, no SHA-1 RSA. */
const HOST_KEY_ALGOS = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

/**
 * Connect and authenticate. Rejects with AccessDeniedError when the host key is refused or the
 * login fails, ConnectionProblemError for network and protocol failures.
 */
export function connectSSH(opts: ConnectSSHOptions): Promise<SSHClient> {
  const { key } = toSSH2Key(opts.privateKey, opts.cert);
  const client = new (ssh2().Client)();
  let hostRefused = false;
  return new Promise<SSHClient>((resolve, reject) => {
    client.once('ready', () => {
      client.removeAllListeners('error');
      client.on('error', () => {});
      resolve(wrapClient(client, opts.agentForward === true && opts.agent !== undefined));
    });
    // `on`, not `once`: a refused handshake can be followed by a second error (EPIPE) that would
    // otherwise go unhandled.
    client.on('error', (err: Error & { level?: string }) => {
      client.end();
      if (hostRefused) reject(new AccessDeniedError('ssh: host key was not trusted', { cause: err }));
      else if (err.level === 'client-authentication') reject(new AccessDeniedError(`ssh: login as "${opts.username}" was refused`, { cause: err }));
      else reject(new ConnectionProblemError(`ssh: ${err.message}`, { cause: err }));
    });
    client.once('close', () => reject(new ConnectionProblemError('ssh: connection closed during handshake')));
    client.connect({
      sock: opts.sock as never,
      host: opts.host,
      port: opts.port,
      username: opts.username,
      readyTimeout: opts.timeoutMs ?? 20_000,
      // Forwarding is asked for per session (see wrapClient), so that a refusal is not fatal.
      agent: opts.agent,
      algorithms: { serverHostKey: HOST_KEY_ALGOS as never, ...ssh2Algorithms(opts.algorithms) },
      authHandler: [{ type: 'publickey', username: opts.username, key: key as never }] as never,
      hostVerifier: (blob: Buffer) => {
        const ok = verifyHost(blob, opts.verifyHostKey);
        hostRefused = !ok;
        return ok;
      },
    });
    // As on the server side: without TCP_NODELAY every request whose bytes span two segments
    // waits for the peer's delayed ACK. A no-op for a `sock` that is not a TCP socket.
    client.setNoDelay(true);
  });
}

function verifyHost(blob: Buffer, verify: ConnectSSHOptions['verifyHostKey']): boolean {
  try {
    if (!sshKeyType(blob).endsWith(CERT_SUFFIX)) return verify({ blob: Buffer.from(blob) }) === true;
    const cert = parseCertificate(blob);
    return verify({ blob: cert.publicKey, cert }) === true;
  } catch {
    return false;
  }
}

/** ssh2's words when the server refuses `auth-agent-req@openssh.com` (it has no error codes). */
const AGENT_REFUSED = 'Unable to request agent forwarding';

/** ssh2 takes `agentForward` per session; its typings do not list it. */
function agentOpt(on: boolean): object {
  return { agentForward: on };
}

function wrapClient(client: Client, forwardAgent: boolean): SSHClient {
  const channel = <T>(open: (cb: (err: Error | undefined, ch: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      try {
        open((err, ch) => (err ? reject(new ConnectionProblemError(`ssh: ${err.message}`, { cause: err })) : resolve(ch)));
      } catch (err) {
        // ssh2 throws synchronously once the connection is gone.
        reject(new ConnectionProblemError(`ssh: ${(err as Error).message}`, { cause: err }));
      }
    });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  // forwarded-tcpip connections by the `host:port` ssh2 keys its forwarding table with.
  const forwards = new Map<string, (stream: Duplex, info: ForwardedConnection) => void>();
  client.on('tcp connection', (info: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void) => {
    const handler = forwards.get(`${info.destIP}:${info.destPort}`);
    if (!handler) return reject();
    handler(quiet(accept()), { bindHost: info.destIP, bindPort: info.destPort, originHost: info.srcIP, originPort: info.srcPort });
  });
  // A session with agent forwarding when asked for; when the server refuses it, the same session
  // again without (as OpenSSH carries on with a warning).
  // The process is wrapped inside ssh2's callback, not after the promise settles: a command that
  // ends at once has its exit status in the same read as the channel's success reply, and ssh2
  // emits `exit` before a promise continuation could listen for it.
  const startProcess = (open: (cb: (err: Error | undefined, ch: ClientChannel) => void) => void): Promise<SSHProcess> =>
    channel<SSHProcess>((cb) => open((err, ch) => cb(err, err ? (undefined as never) : wrapProcess(ch))));
  const session = async (open: (agentForward: boolean) => (cb: (err: Error | undefined, ch: ClientChannel) => void) => void): Promise<SSHProcess> => {
    if (!forwardAgent) return startProcess(open(false));
    try {
      return await startProcess(open(true));
    } catch (err) {
      if ((err as Error).cause === undefined || ((err as Error).cause as Error).message !== AGENT_REFUSED) throw err;
      return { ...(await startProcess(open(false))), agentForwardRefused: true };
    }
  };
  return {
    exec: (command, o = {}) => session((agentForward) => (cb) => client.exec(command, { pty: ptyOpts(o.pty), env: o.env, ...agentOpt(agentForward) }, cb)),
    shell: (o = {}) =>
      session((agentForward) => (cb) =>
        o.pty === undefined
          ? client.shell(false, { env: o.env, ...agentOpt(agentForward) }, cb)
          : client.shell(ptyOpts(o.pty) as PseudoTtyOptions, { env: o.env, ...agentOpt(agentForward) }, cb),
      ),
    subsystem: (name) =>
      new Promise<SubsystemChannel>((resolve, reject) => {
        try {
          client.subsys(name, (err, ch) => {
            // The patched ssh2 hands over what the server wrote on stderr before refusing.
            if (err) reject(new SubsystemRefusedError(name, String((err as Error & { stderr?: string }).stderr ?? '').trim(), { cause: err }));
            else resolve(quiet(ch) as SubsystemChannel);
          });
        } catch (err) {
          reject(new ConnectionProblemError(`ssh: ${(err as Error).message}`, { cause: err }));
        }
      }),
    forwardOut: (destHost, destPort, originHost = '127.0.0.1', originPort = 0) =>
      channel<ClientChannel>((cb) => client.forwardOut(originHost, originPort, destHost, destPort, cb)).then(quiet),
    forwardIn: async (bindHost, bindPort, onConnection) => {
      let port: number;
      try {
        port = await channel<number>((cb) => client.forwardIn(bindHost, bindPort, cb));
      } catch (err) {
        throw new AccessDeniedError(`ssh: the server refused to listen on ${bindHost}:${bindPort} for a remote forward`, { cause: err });
      }
      // ssh2 files the forward under the port the server allocated when 0 was asked for.
      const key = `${bindHost}:${port}`;
      forwards.set(key, onConnection);
      let done: Promise<void> | undefined;
      return {
        port,
        close: () =>
          (done ??= new Promise<void>((resolve) => {
            forwards.delete(key);
            try {
              client.unforwardIn(bindHost, port, () => resolve());
            } catch {
              resolve();
            }
          })),
      };
    },
    sftp: () => channel<SFTPWrapper>((cb) => client.sftp(cb)).then(wrapSFTP),
    closed,
    close: () => client.end(),
  };
}

function ptyOpts(p: PtyOptions | undefined): PseudoTtyOptions | undefined {
  if (!p) return undefined;
  return { term: p.term ?? 'xterm', cols: p.cols ?? 80, rows: p.rows ?? 24, modes: p.modes as never };
}

function quiet(ch: ClientChannel): ClientChannel {
  ch.on('error', () => {});
  return ch;
}

function wrapProcess(ch: ClientChannel): SSHProcess {
  quiet(ch);
  let status: ExitStatus = { code: -1 };
  ch.on('exit', (code: number | null, signal?: string, dump?: boolean, desc?: string) => {
    status = code !== null && code !== undefined ? { code } : { signal: (signal ?? 'UNKNOWN').replace(/^SIG/, ''), coreDumped: dump === true, message: desc };
  });
  const exit = new Promise<ExitStatus>((resolve) => ch.once('close', () => resolve(status)));
  return {
    stdin: ch,
    stdout: ch,
    stderr: ch.stderr,
    exit,
    resize: (cols, rows) => void ch.setWindow(rows, cols, 0, 0),
    signal: (name) => void ch.signal(name),
  };
}
