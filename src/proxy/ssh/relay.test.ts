// The relay on plain TCP sockets standing in for the SSH channel: half-close both ways, the SSH
// prefix guard, resets, and dial failures as ConnectionProblemError.
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, ConnectionProblemError } from '../../api/errors.js';
import { dialTCP } from '../route/tcp-dial.js';
import { relay } from './relay.js';
import { eventually, tcpServer } from './testing/fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** A connected pair: `client` is the user's end, `channel` what the relay reads and writes. */
async function channelPair(): Promise<{ client: Socket; channel: Socket }> {
  let channel: Socket | undefined;
  const srv = await tcpServer((s) => (channel = s));
  cleanups.push(srv.close);
  const [host, port] = srv.addr.split(':');
  const client = connect({ host, port: Number(port), allowHalfOpen: true });
  client.on('error', () => {});
  await eventually(() => channel !== undefined);
  return { client, channel: channel! };
}

function collect(s: Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  return new Promise((resolve) => s.once('end', () => resolve(Buffer.concat(parts))));
}

describe('relay', () => {
  it('passes bytes both ways and the client EOF to the target, then ends when the target does', async () => {
    // The target answers only after the client's EOF: it needs the half-close to arrive.
    const target = await tcpServer((s) => {
      const got: Buffer[] = [];
      s.on('data', (b: Buffer) => got.push(b));
      s.on('end', () => s.end(`got ${Buffer.concat(got).toString()}`));
    });
    cleanups.push(target.close);
    const { client, channel } = await channelPair();
    const [h, p] = target.addr.split(':');
    let closed = 0;
    const done = relay(channel, await dialTCP(h, Number(p)), { closeChannel: () => closed++ });
    const reply = collect(client);
    client.end('SSH-2.0-hello');
    expect((await reply).toString()).toBe('got SSH-2.0-hello');
    client.destroy();
    const r = await done;
    expect(r).toMatchObject({ sent: 13, received: 17 });
    expect(r.error).toBeUndefined();
    await eventually(() => target.open.size === 0);
    expect(closed).toBe(1);
  });

  it('ends the relay when the client does not start with the required prefix', async () => {
    const target = await tcpServer((s) => s.on('end', () => s.end()));
    cleanups.push(target.close);
    const { client, channel } = await channelPair();
    const [h, p] = target.addr.split(':');
    const done = relay(channel, await dialTCP(h, Number(p)), { closeChannel: () => channel.destroy(), requirePrefix: Buffer.from('SSH-2.0-') });
    client.write('SSH-');
    client.write('1.99-old');
    const r = await done;
    expect(r.error).toBeInstanceOf(AccessDeniedError);
    // The two writes may arrive as one chunk: either way nothing past the prefix reached the target.
    expect(r.sent).toBeLessThanOrEqual(4);
    await eventually(() => target.open.size === 0);
  });

  it('closes the channel when the target resets', async () => {
    const target = await tcpServer((s) => s.on('data', () => s.resetAndDestroy()));
    cleanups.push(target.close);
    const { client, channel } = await channelPair();
    const [h, p] = target.addr.split(':');
    let closed = false;
    const done = relay(channel, await dialTCP(h, Number(p)), { closeChannel: () => (closed = true) });
    client.write('SSH-2.0-x');
    const r = await done;
    expect(r.error).toBeInstanceOf(ConnectionProblemError);
    expect(closed).toBe(true);
  });

  it('ends both sides when the signal aborts', async () => {
    const target = await tcpServer((s) => s.on('end', () => s.end()));
    cleanups.push(target.close);
    const { channel } = await channelPair();
    const [h, p] = target.addr.split(':');
    const ac = new AbortController();
    let closed = false;
    const done = relay(channel, await dialTCP(h, Number(p)), { closeChannel: () => (closed = true), signal: ac.signal });
    await eventually(() => target.open.size === 1);
    ac.abort();
    const r = await done;
    expect(r.error).toBeInstanceOf(ConnectionProblemError);
    expect(closed).toBe(true);
    await eventually(() => target.open.size === 0);
  });
});

describe('dialTCP', () => {
  it('fails with ConnectionProblemError when nothing listens', async () => {
    const target = await tcpServer(() => {});
    const [h, p] = target.addr.split(':');
    await target.close();
    await expect(dialTCP(h, Number(p))).rejects.toThrow(ConnectionProblemError);
    await expect(dialTCP(h, Number(p))).rejects.toThrow(`failed to dial ${target.addr}: connect ECONNREFUSED`);
  });
});
