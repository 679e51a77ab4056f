/**
 * One SSH session channel on the server side: its requests (pty, env, window-change, signals,
 * agent forwarding, then shell/exec/subsystem) as an async iterable, and the channel as a Duplex.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerChannel, Session as SSH2Session } from 'ssh2';
import { RequestQueue } from './request-queue.js';
import type { SSHConnection } from './server-connection.js';

/** Terminal modes by RFC 4254 name (`VINTR`, `ECHO`, `TTY_OP_ISPEED`...); unknown opcodes are dropped. */
export type TerminalModes = Record<string, number>;

/** A `pty-req`. */
export interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
  width: number;
  height: number;
  modes: TerminalModes;
}

/** How a command ended: an exit status, or a signal name without the SIG prefix (`TERM`). */
export type ExitStatus = { code: number; signal?: undefined } | { code?: undefined; signal: string; coreDumped?: boolean; message?: string };

/** The session channel once shell/exec/subsystem is accepted: data both ways plus stderr. */
export interface SSHChannel {
  /** stdin from the client / stdout to the client. */
  stream: Duplex;
  /** Extended data (stderr) to the client. */
  stderr: NodeJS.WritableStream;
  /** Send exit-status or exit-signal, then EOF and close. Safe to call twice. */
  exit(status: ExitStatus): void;
  /** Close the channel without an exit status. */
  close(): void;
}

interface Reply {
  /** Say yes (when the client asked for a reply). */
  accept(): void;
  /** Say no. */
  reject(): void;
}

/**
 * A request on a session, discriminated by `type`. The consumer must call `accept` or `reject` on
 * each (shell/exec/subsystem `accept` returns the channel); window-change and signal need neither.
 */
export type SessionRequest =
  | ({ type: 'pty' } & PtyRequest & Reply)
  | ({ type: 'env'; name: string; value: string } & Reply)
  | { type: 'window-change'; cols: number; rows: number; width: number; height: number }
  | { type: 'signal'; name: string }
  | ({ type: 'auth-agent' } & Reply)
  | { type: 'shell'; accept(): SSHChannel; reject(): void }
  | { type: 'exec'; command: string; accept(): SSHChannel; reject(): void }
  | {
      type: 'subsystem';
      name: string;
      accept(): SSHChannel;
      /**
       * Refuse; with `stderr` the text first goes to the client as extended data (how Teleport's
       * proxy reports a failed `proxy:` subsystem: OpenSSH prints it, tsh appends it to its error).
       */
      reject(stderr?: string): void;
    };

/** A server-side session: who it belongs to, its requests, and agent forwarding. */
export interface SSHSession {
  /** The login the client authenticated as. */
  readonly username: string;
  readonly remoteAddress: string;
  /** What `authenticate` returned as `identity` for this connection. */
  readonly identity: unknown;
  /** The connection this session belongs to. */
  readonly conn: SSHConnection;
  /** Requests in arrival order; ends when the session channel closes. */
  readonly requests: AsyncIterable<SessionRequest>;
  /**
   * Open a channel to the client's forwarded agent (after an accepted `auth-agent` request).
   * Rejects with the client's refusal.
   */
  openAgent(): Promise<Duplex>;
}

/** Wrap an accepted ssh2 session (internal to this folder). */
export function wrapSession(
  s: SSH2Session,
  conn: SSHConnection,
  openAgent: () => Promise<Duplex>,
  protocol?: SSH2Protocol,
  socket?: Partial<Socket>,
): SSHSession {
  const q = new RequestQueue<SessionRequest>();
  const reply = (accept?: () => void, reject?: () => void): Reply => ({
    accept: () => accept?.(),
    reject: () => reject?.(),
  });
  s.on('pty', (accept, reject, info) => {
    const modes = (info.modes ?? {}) as unknown as TerminalModes;
    q.push({ type: 'pty', term: info.term, cols: info.cols, rows: info.rows, width: info.width, height: info.height, modes: { ...modes }, ...reply(accept, reject) });
  });
  s.on('env', (accept, reject, info) => q.push({ type: 'env', name: info.key, value: info.val, ...reply(accept, reject) }));
  s.on('window-change', (accept, _reject, info) => {
    accept?.();
    q.push({ type: 'window-change', cols: info.cols, rows: info.rows, width: info.width, height: info.height });
  });
  s.on('signal', (accept, _reject, info) => {
    accept?.();
    q.push({ type: 'signal', name: info.name });
  });
  s.on('auth-agent', (accept, reject) => q.push({ type: 'auth-agent', ...reply(accept, reject) }));
  s.on('shell', (accept, reject) => q.push({ type: 'shell', accept: () => wrapChannel(accept()), reject: () => reject?.() }));
  s.on('exec', (accept, reject, info) =>
    q.push({ type: 'exec', command: info.command, accept: () => wrapChannel(accept()), reject: () => reject?.() }),
  );
  s.on('subsystem', (accept, reject, info) =>
    q.push({
      type: 'subsystem',
      name: info.name,
      accept: () => wrapChannel(accept()),
      reject: (stderr) => {
        if (stderr === undefined || !protocol || !stderrBeforeReply(s, protocol, stderr)) return void reject?.();
        afterClientRead(protocol, socket, () => reject?.());
      },
    }),
  );
  // Requests we never serve are refused at once.
  s.on('x11', (_accept, reject) => reject?.());
  s.on('close', () => q.end());
  return { username: conn.username, remoteAddress: conn.remoteAddress, identity: conn.identity, conn, requests: q, openAgent };
}

/** The part of ssh2's protocol object that sends extended data (internal to this folder). */
export interface SSH2Protocol {
  channelExtData(chan: number, data: Buffer, type: number): void;
  /** Sends `keepalive@openssh.com` with want-reply. */
  ping(): void;
}

/**
 * How long the failure reply waits for the client's answer to the ping at most: long enough for a
 * client starved of CPU (a loaded machine) to read the stderr text first; only that client waits.
 */
const CLIENT_READ_WAIT_MS = 5000;

/**
 * Runs `then` once the client has read what was sent so far: a keepalive goes out and the client's
 * next bytes (its answer, sent after it processed everything before it) release `then`; a silent or
 * gone client releases it after CLIENT_READ_WAIT_MS or on close. OpenSSH exits as soon as it reads a
 * failed subsystem reply, without writing stderr text that arrived in the same read (with
 * TCP_NODELAY both leave back to back): the round trip puts the reply in a later read.
 */
function afterClientRead(protocol: SSH2Protocol, socket: Partial<Socket> | undefined, then: () => void): void {
  if (!socket?.once || !socket.removeListener) return then();
  const sock = socket as Socket;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    sock.removeListener('data', finish);
    sock.removeListener('close', finish);
    then();
  };
  const timer = setTimeout(finish, CLIENT_READ_WAIT_MS);
  sock.once('data', finish);
  sock.once('close', finish);
  try {
    protocol.ping();
  } catch {
    finish();
  }
}

/**
 * ssh2 has no stream before a request is accepted: send SSH_EXTENDED_DATA_STDERR on the session
 * directly, within the client's window and packet size (longer text is cut). True when it was sent.
 */
function stderrBeforeReply(s: SSH2Session, protocol: SSH2Protocol, text: string): boolean {
  const out = (s as unknown as { _chanInfo?: { outgoing: { id: number; window: number; packetSize: number; state: string } } })._chanInfo
    ?.outgoing;
  if (!out || out.state !== 'open') return false;
  const data = Buffer.from(text).subarray(0, Math.max(0, Math.min(out.window, out.packetSize - 64)));
  if (data.length === 0) return false;
  out.window -= data.length;
  try {
    protocol.channelExtData(out.id, data, 1);
    return true;
  } catch {
    // The connection is gone: nothing left to tell the client.
    return false;
  }
}

function wrapChannel(ch: ServerChannel): SSHChannel {
  let done = false;
  // A peer that vanishes mid-write must not surface as an uncaught stream error.
  ch.on('error', () => {});
  ch.stderr.on('error', () => {});
  return {
    stream: ch,
    stderr: ch.stderr,
    exit(status) {
      if (done) return;
      done = true;
      try {
        if (status.signal !== undefined) ch.exit(status.signal, status.coreDumped ?? false, status.message ?? '');
        else ch.exit(status.code);
        ch.end();
      } catch {
        // The channel is already gone: nothing left to tell the client.
      }
    },
    close() {
      done = true;
      ch.close();
    },
  };
}
