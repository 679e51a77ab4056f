import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import { generateCA, identityFromCertificate, issueCertificate, type Identity } from './index.js';
import { x509 } from './x509-provider.js';
import { marshalTraits } from './traits-json.js';

const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
const expires = new Date(Date.UTC(2026, 0, 2, 0, 0, 0));

/** An identity with every field set, including non-printable strings that need UTF8String. */
const full: Identity = {
  username: 'alice@example.com',
  groups: ['access', 'editor', 'auditor'],
  usage: ['usage:kube'],
  principals: ['root', 'ubuntu', 'ålice'],
  routeToCluster: 'leaf.example.com',
  traits: { logins: ['root', 'ubuntu'], 'kubernetes_groups': ['system:masters'], html: ['<b>&</b>'] },
  kubernetesUsers: ['alice', 'admin'],
  kubernetesGroups: ['system:masters', 'devs'],
  kubernetesCluster: 'kube-1',
  teleportCluster: 'root.example.com',
  mfaVerified: '6c3b1c0e-8f1e-4f7a-9c1d-2c6a7a1c9b11',
  clientIP: '10.1.2.3',
  routeToApp: { sessionId: 'a1b2c3', publicAddr: 'grafana.example.com', clusterName: 'root.example.com', name: 'grafana' },
  routeToDatabase: { serviceName: 'pg-prod', protocol: 'postgres', username: 'alice', database: 'orders' },
  databaseNames: ['orders', 'billing'],
  databaseUsers: ['alice', 'readonly'],
  impersonator: 'bot-ci',
  disallowReissue: true,
  systemRoles: ['Node', 'Proxy'],
  renewable: true,
  generation: 7,
  previousIdentityExpires: new Date(Date.UTC(2026, 0, 1, 23, 0, 0)),
  expires,
};

async function issue(identity: Identity): Promise<string> {
  const ca = await generateCA({ clusterName: 'root.example.com', type: 'user', clock });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return issueCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, publicKey, identity, clock });
}

describe('identity encoding round trip', () => {
  it('returns every field unchanged (expiry to the second)', async () => {
    const pem = await issue(full);
    expect(identityFromCertificate(pem)).toEqual(full);
    // The same through node's own parser type.
    expect(identityFromCertificate(new X509Certificate(pem))).toEqual(full);
  });

  it('leaves absent fields absent and truncates expiry to whole seconds', async () => {
    const minimal: Identity = { username: 'bob', groups: ['access'], expires: new Date(expires.getTime() + 999) };
    const got = identityFromCertificate(await issue(minimal));
    expect(got).toEqual({ username: 'bob', groups: ['access'], expires });
  });

  it('keeps empty traits distinct from no traits', async () => {
    const got = identityFromCertificate(await issue({ username: 'bob', groups: ['access'], traits: {}, expires }));
    expect(got.traits).toEqual({});
  });
});

describe('traits JSON matches Go encoding/json', () => {
  it.each([
    [undefined, 'null'],
    [{}, '{}'],
    [{ b: ['2'], a: ['1'] }, '{"a":["1"],"b":["2"]}'],
    [{ x: ['<a&b>'] }, '{"x":["\\u003ca\\u0026b\\u003e"]}'],
    [{ x: ['\u2028'] }, '{"x":["\\u2028"]}'],
  ])('marshals %j as %s', (traits, want) => {
    expect(marshalTraits(traits)).toBe(want);
  });
});

/** A self-signed certificate whose subject we write by hand, to feed malformed identities. */
async function certWithSubject(subject: x509.JsonNameParams): Promise<string> {
  const keys = await x509.cryptoProvider.get().subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: new x509.Name(subject), keys, notAfter: expires });
  return cert.toString('pem');
}

const ps = (value: string) => [{ printableString: value }];

describe('identityFromCertificate refuses malformed input', () => {
  it.each<[string, x509.JsonNameParams, RegExp]>([
    ['no username', [{ '2.5.4.10': ps('access') }], /missing identity username/],
    ['no groups', [{ '2.5.4.3': ps('alice') }], /missing identity groups/],
    ['traits not JSON', [{ '2.5.4.17': ps('not json') }, { '2.5.4.10': ps('a') }, { '2.5.4.3': ps('x') }], /not valid JSON/],
    ['traits not a map of lists', [{ '2.5.4.17': [{ utf8String: '{"a":"b"}' }] }, { '2.5.4.10': ps('a') }, { '2.5.4.3': ps('x') }], /list of strings/],
    ['generation not a number', [{ '2.5.4.10': ps('a') }, { '2.5.4.3': ps('x') }, { '1.3.9999.1.14': ps('-1') }], /generation/],
    ['previous expiry not RFC 3339', [{ '2.5.4.10': ps('a') }, { '2.5.4.3': ps('x') }, { '1.3.9999.2.12': ps('tomorrow') }], /RFC 3339/],
  ])('%s', async (_name, subject, message) => {
    const pem = await certWithSubject(subject);
    expect(() => identityFromCertificate(pem)).toThrow(BadParameterError);
    expect(() => identityFromCertificate(pem)).toThrow(message);
  });

  it('a non-certificate', () => {
    expect(() => identityFromCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(BadParameterError);
    expect(() => identityFromCertificate('hello')).toThrow(BadParameterError);
  });

  it('reads an identity Teleport wrote with RFC 3339 offsets', async () => {
    const pem = await certWithSubject([
      { '2.5.4.10': ps('a') }, { '2.5.4.3': ps('x') }, { '1.3.9999.2.12': ps('2026-01-01T02:00:00+02:00') },
    ]);
    expect(identityFromCertificate(pem).previousIdentityExpires).toEqual(new Date(Date.UTC(2026, 0, 1, 0, 0, 0)));
  });
});

describe('issueCertificate refuses bad input', () => {
  it.each<[string, Partial<Identity>, RegExp]>([
    ['empty username', { username: '' }, /username/],
    ['no groups', { groups: [] }, /groups/],
    ['expiry before NotBefore', { expires: new Date(clock.now() - 120_000) }, /expires/],
    ['invalid date', { expires: new Date(NaN) }, /valid Date/],
    ['negative generation', { generation: -1 }, /generation/],
  ])('%s', async (_name, patch, message) => {
    await expect(issue({ ...full, ...patch })).rejects.toThrow(BadParameterError);
    await expect(issue({ ...full, ...patch })).rejects.toThrow(message);
  });
});
