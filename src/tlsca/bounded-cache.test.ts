import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import { BoundedCache, cachedPromise } from './bounded-cache.js';
import { generateCA, identityFromCertificate, issueCertificate } from './index.js';

describe('BoundedCache', () => {
  it('computes a value once, drops the least recently used beyond capacity, keeps no failure', () => {
    const cache = new BoundedCache<number>(2);
    let made = 0;
    const make = (v: number) => () => (made++, v);
    expect(cache.get('a', make(1))).toBe(1);
    expect(cache.get('a', make(99))).toBe(1);
    cache.get('b', make(2));
    cache.get('a', make(99)); // a is now the most recent: b goes first
    cache.get('c', make(3));
    expect(cache.size).toBe(2);
    expect(cache.get('b', make(20))).toBe(20);
    expect(made).toBe(4);
    expect(() => cache.get('x', () => { throw new Error('boom'); })).toThrow('boom');
    expect(cache.get('x', make(5))).toBe(5);
  });

  it('cachedPromise forgets a rejected promise so that the next call tries again', async () => {
    const cache = new BoundedCache<Promise<string>>(4);
    await expect(cachedPromise(cache, 'k', () => Promise.reject(new Error('first')))).rejects.toThrow('first');
    await new Promise((r) => setImmediate(r));
    await expect(cachedPromise(cache, 'k', () => Promise.resolve('second'))).resolves.toBe('second');
    await expect(cachedPromise(cache, 'k', () => Promise.resolve('third'))).resolves.toBe('second');
  });
});

describe('the caches of issuance and identity parsing', () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const expires = new Date(Date.UTC(2026, 0, 2, 0, 0, 0));

  it('issues from one CA many times, each certificate its own, and hands out identities callers cannot spoil', async () => {
    const ca = await generateCA({ clusterName: 'c.example.com', type: 'host', clock });
    const issue = (username: string) =>
      issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, identity: { username, groups: ['Node'], expires }, clock });
    const [a, b] = [await issue('a.c.example.com'), await issue('b.c.example.com')];
    const caCert = new X509Certificate(ca.certPem);
    for (const pem of [a, b]) expect(new X509Certificate(pem).verify(caCert.publicKey)).toBe(true);
    expect(identityFromCertificate(new X509Certificate(b)).username).toBe('b.c.example.com');
    const first = identityFromCertificate(new X509Certificate(a));
    first.groups.push('Admin');
    first.username = 'mallory';
    const again = identityFromCertificate(new X509Certificate(a));
    expect(again).toEqual({ username: 'a.c.example.com', groups: ['Node'], expires });
    expect(identityFromCertificate(a)).toEqual(again);
  });

  it('refuses a certificate that is not a CA every time, and a malformed certificate every time', async () => {
    const ca = await generateCA({ clusterName: 'c.example.com', type: 'host', clock });
    const leaf = await issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, identity: { username: 'x', groups: ['Node'], expires }, clock });
    const fromLeaf = () => issueCertificate({ caCertPem: leaf, caKeyPem: ca.keyPem, publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, identity: { username: 'y', groups: ['Node'], expires }, clock });
    await expect(fromLeaf()).rejects.toThrow(/not a CA/);
    await expect(fromLeaf()).rejects.toThrow(BadParameterError);
    for (let i = 0; i < 2; i++) expect(() => identityFromCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(BadParameterError);
  });
});
