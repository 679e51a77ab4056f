/**
 * A stand-in for an RDS/Aurora PostgreSQL endpoint with IAM auth (no AWS here): it takes the
 * SSLRequest, serves TLS with the given certificate, asks for the password in cleartext
 * (AuthenticationCleartextPassword, as RDS does for rds_iam users), records what it got with the
 * startup's user, then answers every simple query with one text row `iam`. Faithful to the wire
 * protocol only as far as psql's login and one query need.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** One login the stand-in saw. */
export interface RecordedLogin {
  user: string;
  database: string;
  /** What came as the password (only ever over TLS: the stand-in serves nothing else). */
  password: string;
}

/** The running stand-in. */
export interface RdsStandin {
  port: number;
  logins: RecordedLogin[];
  close(): Promise<void>;
}

function msg(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), len, body]);
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const cstr = (s: string) => Buffer.from(`${s}\0`);

/** Reads whole messages off `s`: the untyped startup first, then typed ones. */
function reader(s: Socket | TLSSocket): (typed: boolean) => Promise<{ type: string; body: Buffer }> {
  let buf = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    waiters.splice(0).forEach((w) => w());
  });
  return async (typed) => {
    for (;;) {
      const off = typed ? 1 : 0;
      if (buf.length >= off + 4) {
        const len = buf.readUInt32BE(off);
        if (buf.length >= off + len) {
          const type = typed ? buf.subarray(0, 1).toString() : '';
          const body = buf.subarray(off + 4, off + len);
          buf = buf.subarray(off + len);
          return { type, body };
        }
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
}

async function serve(sock: Socket, o: { certPem: string; keyPem: string }, logins: RecordedLogin[]): Promise<void> {
  sock.on('error', () => {});
  const first = await new Promise<Buffer>((r) => sock.once('data', r));
  if (first.length !== 8 || first.readUInt32BE(4) !== 80877103) return void sock.destroy();
  sock.write('S');
  const tls = new TLSSocket(sock, { isServer: true, cert: o.certPem, key: o.keyPem });
  tls.on('error', () => {});
  const read = reader(tls);
  const startup = await read(false);
  const parts = startup.body.subarray(4).toString().split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) params[parts[i]] = parts[i + 1];
  tls.write(msg('R', int32(3)));
  const p = await read(true);
  if (p.type !== 'p') return void tls.destroy();
  logins.push({ user: params.user ?? '', database: params.database ?? '', password: p.body.subarray(0, p.body.length - 1).toString() });
  tls.write(Buffer.concat([msg('R', int32(0)), msg('S', Buffer.concat([cstr('server_version'), cstr('15.0')])), msg('K', Buffer.concat([int32(1), int32(2)])), msg('Z', Buffer.from('I'))]));
  for (;;) {
    const m = await read(true);
    if (m.type === 'X') return void tls.end();
    if (m.type !== 'Q') continue;
    const field = Buffer.concat([cstr('ok'), int32(0), Buffer.from([0, 0]), int32(25), Buffer.from([0xff, 0xff]), int32(0xffffffff), Buffer.from([0, 0])]);
    const row = Buffer.concat([Buffer.from([0, 1]), int32(3), Buffer.from('iam')]);
    tls.write(Buffer.concat([msg('T', Buffer.concat([Buffer.from([0, 1]), field])), msg('D', row), msg('C', cstr('SELECT 1')), msg('Z', Buffer.from('I'))]));
  }
}

/** Starts the stand-in on 127.0.0.1:`port`. */
export async function startRdsStandin(o: { port: number; certPem: string; keyPem: string }): Promise<RdsStandin> {
  const logins: RecordedLogin[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    serve(sock, o, logins).catch(() => sock.destroy());
  });
  await new Promise<void>((r) => server.listen(o.port, '127.0.0.1', r));
  return {
    port: o.port,
    logins,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A MySQL login the stand-in saw: the plugin the response named and the password sent in clear. */
export interface RecordedMysqlLogin {
  user: string;
  plugin: string;
  password: string;
}

/**
 * The same for RDS/Aurora MySQL: a greeting offering TLS and length-encoded auth data, the
 * SSLRequest, TLS, then the HandshakeResponse, whose auth data it records (NUL dropped) before an OK.
 */
export async function startRdsMysqlStandin(o: { port: number; certPem: string; keyPem: string }): Promise<{ port: number; logins: RecordedMysqlLogin[]; close(): Promise<void> }> {
  const { mysqlwire, readMysqlPacket } = await import('../../src/db/index.js');
  const logins: RecordedMysqlLogin[] = [];
  const sockets = new Set<Socket>();
  const serveOne = async (sock: Socket) => {
    sock.on('error', () => {});
    const caps = mysqlwire.PROXY_CAPABILITIES | mysqlwire.CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA;
    sock.write(mysqlwire.packet(0, mysqlwire.encodeGreeting({ serverVersion: '8.0.28-rds', connectionId: 1, scramble: Buffer.alloc(20, 0x41), capabilities: caps, charset: 45, status: 2, authPlugin: 'mysql_native_password' })));
    await readMysqlPacket(sock);
    const tls = new TLSSocket(sock, { isServer: true, cert: o.certPem, key: o.keyPem });
    tls.on('error', () => {});
    const resp = await readMysqlPacket(tls, 1 << 16);
    const hs = mysqlwire.parseHandshakeResponse(resp.payload);
    const auth = hs.authResponse ?? Buffer.alloc(0);
    logins.push({ user: hs.user ?? '', plugin: hs.authPlugin ?? '', password: auth.subarray(0, auth[auth.length - 1] === 0 ? auth.length - 1 : auth.length).toString() });
    tls.write(mysqlwire.packet(resp.seq + 1, Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00])));
    tls.resume();
  };
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    serveOne(sock).catch(() => sock.destroy());
  });
  await new Promise<void>((r) => server.listen(o.port, '127.0.0.1', r));
  return {
    port: o.port,
    logins,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
