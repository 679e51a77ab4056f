import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import { rangeEnd } from '../backend.js';
import { runBackendSuite } from '../testing/suite.js';
import { runSharedBackendSuite } from '../testing/suite-shared.js';
import { WatchReader } from '../testing/watch-reader.js';
import { EtcdBackend } from './etcd.js';
import type { EtcdBackendOptions } from './etcd.js';
import { startEtcd } from '../testing/etcd-process.js';
import type { EtcdProcess } from '../testing/etcd-process.js';

// One etcd for the file; each backend gets a prefix of its own, so each starts empty.
let etcd: EtcdProcess;
let n = 0;
const freshPrefix = (): string => `/test-${process.pid}-${++n}/`;
const open = (opts: Partial<EtcdBackendOptions> = {}): Promise<EtcdBackend> =>
  EtcdBackend.open({ peers: [etcd.url], prefix: freshPrefix(), insecure: true, sweepIntervalMs: 10, ...opts });

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

runBackendSuite('etcd backend', async (clock) => open({ clock }));
runSharedBackendSuite('etcd backend, two instances on one cluster', async (clock) => {
  const prefix = freshPrefix();
  return Promise.all([open({ prefix, clock }), open({ prefix, clock })]);
});

describe('etcd backend specifics', () => {
  it('stores keys under the prefix with a lease when they expire, and sees nothing of other prefixes', async () => {
    const prefix = freshPrefix();
    const b = await open({ prefix });
    const other = await open({ prefix: `${prefix.slice(0, -1)}-other/` });
    await b.put({ key: '/k/forever', value: 'v' });
    await b.put({ key: '/k/expiring', value: 'v', expires: Date.now() + 60_000 });
    await other.put({ key: '/k/elsewhere', value: 'v' });
    const raw = new Etcd3({ hosts: etcd.url });
    const forever = (await raw.get(`${prefix}/k/forever`).exec()).kvs[0];
    const expiring = (await raw.get(`${prefix}/k/expiring`).exec()).kvs[0];
    expect(forever.lease).toBe('0');
    expect(expiring.lease).not.toBe('0');
    // The lease outlives the item's own expiry (reads and the sweeper enforce the exact one).
    const ttl = await raw.leaseClient.leaseTimeToLive({ ID: expiring.lease });
    expect(Number(ttl.TTL)).toBeGreaterThanOrEqual(59);
    raw.close();
    expect((await b.getRange('', rangeEnd(''))).map((i) => i.key)).toEqual(['/k/expiring', '/k/forever']);
    await b.deleteRange('', rangeEnd(''));
    expect(await other.get('/k/elsewhere')).toMatchObject({ value: 'v' });
    await Promise.all([b.close(), other.close()]);
  });

  it('a prefix without a leading slash gets one, as Teleport does', async () => {
    const name = `noslash-${process.pid}`;
    const b = await open({ prefix: name });
    await b.put({ key: '/x', value: 'v' });
    const raw = new Etcd3({ hosts: etcd.url });
    expect(await raw.get(`/${name}/x`).string()).toContain('v');
    raw.close();
    await b.close();
  });

  it('keeps watching across an etcd restart without losing writes', async () => {
    const own = await startEtcd();
    try {
      const prefix = freshPrefix();
      const b = await EtcdBackend.open({ peers: [own.url], prefix, insecure: true });
      const w = new WatchReader(b.watch({ prefixes: ['/r/'] }));
      expect(await w.next()).toEqual({ type: 'init' });
      await b.put({ key: '/r/1', value: 'before' });
      expect(await w.next()).toMatchObject({ type: 'put', item: { key: '/r/1' } });
      await own.restart();
      const other = await EtcdBackend.open({ peers: [own.url], prefix, insecure: true });
      await other.put({ key: '/r/2', value: 'after' });
      expect(await w.next(15_000)).toMatchObject({ type: 'put', item: { key: '/r/2', value: 'after' } });
      expect(await b.get('/r/2')).toMatchObject({ value: 'after' });
      await Promise.all([b.close(), other.close()]);
    } finally {
      await own.stop();
    }
  }, 60_000);

  describe('TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etcd-tls-'));
    const f = (name: string): string => join(dir, name);
    let secure: EtcdProcess;
    beforeAll(async () => {
      const ssl = (...args: string[]): void => {
        execFileSync('openssl', args, { stdio: 'ignore' });
      };
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=test etcd CA', '-days', '1');
      writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
      writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
      for (const who of ['server', 'client']) {
        ssl('req', ...ec, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${who}`);
        ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial');
        ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1',
          '-extfile', f(`${who}.ext`), '-out', f(`${who}.crt`));
      }
      secure = await startEtcd({
        tls: { certFile: f('server.crt'), keyFile: f('server.key'), caFile: f('ca.crt'), clientCertFile: f('client.crt'), clientKeyFile: f('client.key') },
      });
    });
    afterAll(async () => {
      await secure?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('connects with tls_ca_file, tls_cert_file and tls_key_file', async () => {
      const b = await EtcdBackend.open({
        peers: [secure.url],
        prefix: freshPrefix(),
        tlsCaFile: f('ca.crt'),
        tlsCertFile: f('client.crt'),
        tlsKeyFile: f('client.key'),
      });
      await b.put({ key: '/tls', value: 'ok' });
      expect((await b.get('/tls')).value).toBe('ok');
      await b.close();
    });

    it('without a client certificate the server refuses: ConnectionProblemError', async () => {
      const err = await EtcdBackend.open({ peers: [secure.url], prefix: freshPrefix(), tlsCaFile: f('ca.crt'), dialTimeoutMs: 2000 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectionProblemError);
    });
  });

  it.each<[string, Partial<EtcdBackendOptions>, RegExp]>([
    ['no prefix', { prefix: '' }, /missing "prefix"/],
    ['no peers', { peers: [] }, /missing "peers"/],
    ['a peer that is not a URL', { peers: ['127.0.0.1:2379'] }, /must be a URL/],
    ['no CA without insecure', { insecure: false }, /missing "tls_ca_file"/],
    ['a cert without its key', { tlsCertFile: '/x.crt' }, /go together/],
    ['an unreadable CA file', { insecure: false, tlsCaFile: '/nonexistent/ca.pem' }, /cannot read tls_ca_file/],
  ])('refuses %s with BadParameterError', async (_label, bad, text) => {
    const err = await EtcdBackend.open({ peers: ['http://127.0.0.1:1'], prefix: '/x', insecure: true, ...bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toMatch(text);
  });

  it('an unreachable cluster gives ConnectionProblemError within the dial timeout', async () => {
    const started = Date.now();
    const err = await EtcdBackend.open({ peers: ['http://127.0.0.1:1'], prefix: '/x', insecure: true, dialTimeoutMs: 1000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectionProblemError);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
