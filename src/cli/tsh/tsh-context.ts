/**
 * What tsh's commands share beyond CliIO: the process hooks main.ts hands in (byte streams for
 * remote output, the terminal, this executable's path, cancellation), and the steps every
 * network command takes (load the identity from -i or the profile, connect to the proxy, pick the
 * login).
 */
import { userInfo } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { loadClientIdentity, ProxyClient, tshHome, type ClientIdentity } from '../../client/index.js';
import type { CliIO, Invocation } from '../framework/index.js';

/** The controlling terminal (stdin and stdout are one), for interactive sessions. */
export interface Terminal {
  size(): { cols: number; rows: number };
  /** Raw mode on stdin (no echo, no line editing, no signals from keys). */
  setRawMode(on: boolean): void;
  /** Call `cb` when the window changes size; returns the unsubscribe function. */
  onResize(cb: () => void): () => void;
}

/** Process hooks; tests pass what they need, main.ts passes the real process. */
export interface TshSystem {
  /** Byte sinks for remote output; default io.stdout/io.stderr with UTF-8 decoding. */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Present when stdin is a terminal. */
  terminal?: Terminal;
  /** Absolute path of this tsh (`tsh config` puts it in ProxyCommand). */
  executablePath?: string;
  /** Ends long-running commands (`tsh ssh -N`, forwards) when aborted. */
  signal?: AbortSignal;
  now?: () => number;
}

/** The context every tsh command receives. */
export interface TshCtx {
  sys: TshSystem;
}

/** Write raw remote bytes: to the process streams when given, else decoded to the CliIO. */
export interface ByteSinks {
  out(b: Buffer): void;
  err(b: Buffer): void;
  /** Flush decoders (a trailing partial character). */
  end(): void;
}

/** The byte sinks of an invocation. */
export function byteSinks(io: CliIO, sys: TshSystem): ByteSinks {
  const dOut = new StringDecoder('utf8');
  const dErr = new StringDecoder('utf8');
  return {
    out: (b) => (sys.stdout ? void sys.stdout.write(b) : io.stdout.write(dOut.write(b))),
    err: (b) => (sys.stderr ? void sys.stderr.write(b) : io.stderr.write(dErr.write(b))),
    end: () => {
      if (!sys.stdout) io.stdout.write(dOut.end());
      if (!sys.stderr) io.stderr.write(dErr.end());
    },
  };
}

/** The identity from `-i` or the profile (of `--proxy`, else the current one). */
export function loadIdentity(inv: Invocation, ctx: TshCtx, opts: { allowExpired?: boolean } = {}): Promise<ClientIdentity> {
  const f = inv.flags;
  return loadClientIdentity({
    home: tshHome(inv.io.env, inv.io.homeDir),
    ...(typeof f.proxy === 'string' && f.proxy !== '' && { proxy: f.proxy }),
    ...(typeof f.identity === 'string' && f.identity !== '' && { identityFile: f.identity }),
    insecure: f.insecure === true,
    cwd: inv.io.cwd,
    now: (ctx.sys.now ?? Date.now)(),
    ...opts,
  });
}

/** Load the identity and log in to the proxy's SSH listener (for `--cluster` when given). */
export async function connectProxy(inv: Invocation, ctx: TshCtx): Promise<ProxyClient> {
  const identity = await loadIdentity(inv, ctx);
  const cluster = typeof inv.flags.cluster === 'string' && inv.flags.cluster !== '' ? inv.flags.cluster : undefined;
  return ProxyClient.connect({ identity, ...(cluster && { cluster }), ...(ctx.sys.now && { now: ctx.sys.now }) });
}

/**
 * The login on the node, as Teleport's tsh picks it: `-l` (or $TELEPORT_LOGIN), else the `user@`
 * of the target, else the local user's name.
 */
export function hostLogin(inv: Invocation, fromTarget?: string): string {
  const flag = inv.flags.login;
  if (typeof flag === 'string' && flag !== '') return flag;
  if (fromTarget) return fromTarget;
  return inv.io.env.USER || userInfo().username;
}

/** Split `[user@]host`: the last `@` separates the login (logins may contain `@`). */
export function splitUserHost(target: string): { user?: string; host: string } {
  const at = target.lastIndexOf('@');
  if (at < 0) return { host: target };
  return { user: at > 0 ? target.slice(0, at) : undefined, host: target.slice(at + 1) };
}

/** Resolves when `signal` aborts (never without one). */
export function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
