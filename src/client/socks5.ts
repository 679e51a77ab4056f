/**
 * The server side of SOCKS5 (RFC 1928) for `tsh ssh -D`: no authentication, CONNECT only, IPv4,
 * IPv6 and domain-name targets. Each accepted connection is dialed through the SSH connection
 * and the bytes are piped both ways.
 */
import type { Duplex } from 'node:stream';
import { errorCode } from '../api/errors.js';
import { relayStreams } from './relay-streams.js';

/** Reply codes of RFC 1928 §6 that we send. */
const REP = { ok: 0, failure: 1, notAllowed: 2, refused: 5, badCommand: 7, badAddress: 8 } as const;

/** Incremental reads of exact byte counts from a stream, for a handshake. */
class HandshakeReader {
  private buf = Buffer.alloc(0);
  private ended = false;
  private wake?: () => void;
  private readonly onData = (d: Buffer) => {
    this.buf = Buffer.concat([this.buf, d]);
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private readonly s: Duplex) {
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('close', this.onEnd);
  }

  /** Exactly `n` bytes; undefined when the peer went away first. */
  async take(n: number): Promise<Buffer | undefined> {
    while (this.buf.length < n) {
      if (this.ended) return undefined;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Stop reading; returns what arrived beyond the handshake. */
  detach(): Buffer {
    this.s.off('data', this.onData);
    this.s.off('end', this.onEnd);
    this.s.off('close', this.onEnd);
    this.s.pause();
    return this.buf;
  }
}

function reply(sock: Duplex, rep: number): void {
  // Bound address 0.0.0.0:0: clients do not need it for CONNECT.
  sock.write(Buffer.from([5, rep, 0, 1, 0, 0, 0, 0, 0, 0]));
}

function ipv6(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(':');
}

/**
 * Serve one SOCKS5 client on `sock`: negotiate, read the CONNECT request, open the target with
 * `dial` and relay until either side closes. Never throws; failures are answered per RFC 1928.
 */
export async function serveSocks5(sock: Duplex, dial: (host: string, port: number) => Promise<Duplex>): Promise<void> {
  sock.on('error', () => {});
  const r = new HandshakeReader(sock);
  const fail = (rep?: number) => {
    r.detach();
    if (rep === undefined) sock.destroy();
    else {
      reply(sock, rep);
      sock.end();
    }
  };
  const hello = await r.take(2);
  if (!hello || hello[0] !== 5) return fail();
  const methods = await r.take(hello[1]);
  if (!methods) return fail();
  if (!methods.includes(0)) {
    sock.write(Buffer.from([5, 0xff]));
    r.detach();
    sock.end();
    return;
  }
  sock.write(Buffer.from([5, 0]));
  const head = await r.take(4);
  if (!head || head[0] !== 5) return fail();
  let host: string;
  switch (head[3]) {
    case 1: {
      const a = await r.take(4);
      if (!a) return fail();
      host = [...a].join('.');
      break;
    }
    case 3: {
      const len = await r.take(1);
      const name = len && (await r.take(len[0]));
      if (!name) return fail();
      host = name.toString('utf8');
      break;
    }
    case 4: {
      const a = await r.take(16);
      if (!a) return fail();
      host = ipv6(a);
      break;
    }
    default:
      return fail(REP.badAddress);
  }
  const portBytes = await r.take(2);
  if (!portBytes) return fail();
  if (head[1] !== 1) return fail(REP.badCommand);
  let remote: Duplex;
  try {
    remote = await dial(host, portBytes.readUInt16BE(0));
  } catch (err) {
    const code = errorCode(err);
    return fail(code === 'access_denied' ? REP.notAllowed : code === 'connection_problem' ? REP.refused : REP.failure);
  }
  const early = r.detach();
  reply(sock, REP.ok);
  if (early.length > 0) remote.write(early);
  relayStreams(sock, remote);
}
