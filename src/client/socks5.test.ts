// The -D SOCKS5 listener over real sockets, with a small SOCKS client written here: IPv4 and
// domain-name CONNECTs relayed to an echo server, and RFC 1928's refusals.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, ConnectionProblemError } from '../api/errors.js';
import { startDynamicForward, type LocalListener } from './port-forward.js';

let echo: Server;
let echoPort: number;
let socks: LocalListener;
const dialed: string[] = [];

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as AddressInfo).port;
  socks = await startDynamicForward({ bindHost: '127.0.0.1', bindPort: 0 }, async (host, port) => {
    dialed.push(`${host}:${port}`);
    if (host === 'denied.test') throw new AccessDeniedError('no');
    if (host === 'down.test') throw new ConnectionProblemError('down');
    return connect(echoPort, '127.0.0.1');
  });
});
afterAll(async () => {
  await socks.close();
  await socks.close();
  echo.close();
});

/** Read exactly n bytes. */
async function read(s: Socket, n: number): Promise<Buffer> {
  let buf = Buffer.alloc(0);
  while (buf.length < n) {
    const chunk = s.read() as Buffer | null;
    if (chunk) buf = Buffer.concat([buf, chunk]);
    else await Promise.race([once(s, 'readable'), once(s, 'end').then(() => Promise.reject(new Error(`ended after ${buf.length} bytes`)))]);
  }
  if (buf.length > n) s.unshift(buf.subarray(n));
  return buf.subarray(0, n);
}

async function open(methods = [0]): Promise<Socket> {
  const s = connect(socks.address.port, '127.0.0.1');
  await once(s, 'connect');
  s.write(Buffer.from([5, methods.length, ...methods]));
  return s;
}

function request(cmd: number, atyp: number, addr: Buffer, port: number): Buffer {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  return Buffer.concat([Buffer.from([5, cmd, 0, atyp]), addr, p]);
}

describe('SOCKS5 (-D)', () => {
  it('CONNECTs to an IPv4 address and relays both ways, bytes sent early included', async () => {
    const s = await open();
    expect([...(await read(s, 2))]).toEqual([5, 0]);
    s.write(Buffer.concat([request(1, 1, Buffer.from([127, 0, 0, 1]), echoPort), Buffer.from('early ')]));
    expect((await read(s, 10))[1]).toBe(0);
    s.write('bytes');
    expect((await read(s, 11)).toString()).toBe('early bytes');
    s.end();
    expect(dialed).toContain(`127.0.0.1:${echoPort}`);
  });

  it('CONNECTs to a domain name, resolved on the far side', async () => {
    const s = await open([2, 0]);
    expect([...(await read(s, 2))]).toEqual([5, 0]);
    const name = Buffer.from('db.internal');
    s.write(request(1, 3, Buffer.concat([Buffer.from([name.length]), name]), 5432));
    expect((await read(s, 10))[1]).toBe(0);
    s.end();
    expect(dialed).toContain('db.internal:5432');
  });

  it.each([
    ['denied.test', 2],
    ['down.test', 5],
  ])('answers a failed dial to %s with reply %i', async (host, rep) => {
    const s = await open();
    await read(s, 2);
    const name = Buffer.from(host);
    s.write(request(1, 3, Buffer.concat([Buffer.from([name.length]), name]), 1));
    expect((await read(s, 10))[1]).toBe(rep);
  });

  it('refuses BIND/UDP and unknown address types, and clients that want authentication', async () => {
    const bind = await open();
    await read(bind, 2);
    bind.write(request(2, 1, Buffer.from([127, 0, 0, 1]), 80));
    expect((await read(bind, 10))[1]).toBe(7);

    const atyp = await open();
    await read(atyp, 2);
    atyp.write(Buffer.from([5, 1, 0, 9]));
    expect((await read(atyp, 10))[1]).toBe(8);

    const auth = await open([2]);
    expect([...(await read(auth, 2))]).toEqual([5, 0xff]);
  });

  it('drops a client that does not speak SOCKS5', async () => {
    const s = connect(socks.address.port, '127.0.0.1');
    s.end('GET / HTTP/1.1\r\n\r\n');
    s.resume();
    await once(s, 'close');
  });
});
