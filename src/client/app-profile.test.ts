// App logins on disk, with certificates issued by a real user CA: the layout, the route read back,
// leftovers ignored, and logout removing only the files of that app.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { generateCA, issueCertificate } from '../tlsca/index.js';
import { appFiles, listAppLogins, removeAppLogin, saveAppLogin } from './app-profile.js';
import { profilePaths } from './profile.js';

const clock = new FakeClock(Date.UTC(2026, 11, 7, 12, 0, 0));
const expires = new Date(Date.UTC(2026, 11, 7, 13, 0, 0));
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'app-profile-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function appCert(name: string, publicKey: KeyObject, routed = true): Promise<string> {
  const ca = await generateCA({ clusterName: 'example.test', type: 'user', clock });
  return issueCertificate({
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    publicKey,
    clock,
    identity: {
      username: 'alice',
      groups: ['access'],
      expires,
      ...(routed && { routeToApp: { sessionId: `sid-${name}`, publicAddr: `${name}.localhost`, clusterName: 'example.test', name } }),
    },
  });
}

describe('app logins', () => {
  it('saves <user>-app/<cluster>/<app>.crt and .key beside the profile key and lists them by name', async () => {
    const paths = profilePaths(home, { web_proxy_addr: 'proxy.example.test:3080', user: 'alice', cluster: 'example.test' });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const grafana = await saveAppLogin({ paths, user: 'alice', cluster: 'example.test', certPem: await appCert('grafana', publicKey), key: privateKey });
    await saveAppLogin({ paths, user: 'alice', cluster: 'example.test', certPem: await appCert('dashboard', publicKey), key: privateKey });

    expect(grafana.certPath).toBe(join(home, 'keys', 'proxy.example.test', 'alice-app', 'example.test', 'grafana.crt'));
    expect(grafana.keyPath).toBe(join(home, 'keys', 'proxy.example.test', 'alice-app', 'example.test', 'grafana.key'));
    expect(appFiles(paths, 'alice', 'example.test', 'grafana')).toEqual({ certPath: grafana.certPath, keyPath: grafana.keyPath });
    expect((await stat(grafana.keyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(grafana.keyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(grafana.caPath).toBe(paths.tlsCAs);

    // A stray file and a certificate without a route are not logins.
    const dir = join(home, 'keys', 'proxy.example.test', 'alice-app', 'example.test');
    await writeFile(join(dir, 'junk.crt'), 'not a certificate');
    await writeFile(join(dir, 'plain.crt'), await appCert('plain', publicKey, false));

    const logins = await listAppLogins(paths, 'alice', 'example.test');
    expect(logins.map((l) => l.route)).toEqual([
      { sessionId: 'sid-dashboard', publicAddr: 'dashboard.localhost', clusterName: 'example.test', name: 'dashboard' },
      { sessionId: 'sid-grafana', publicAddr: 'grafana.localhost', clusterName: 'example.test', name: 'grafana' },
    ]);
    expect(logins[0].expires).toEqual(expires);

    await removeAppLogin(logins[1]);
    expect((await listAppLogins(paths, 'alice', 'example.test')).map((l) => l.route.name)).toEqual(['dashboard']);
    expect((await readdir(dir)).sort()).toEqual(['dashboard.crt', 'dashboard.key', 'junk.crt', 'plain.crt']);
    // Another cluster's directory is empty.
    expect(await listAppLogins(paths, 'alice', 'leaf.test')).toEqual([]);
  });

  it('refuses to save a certificate that routes to no app', async () => {
    const paths = profilePaths(home, { web_proxy_addr: 'proxy.example.test:3080', user: 'alice', cluster: 'example.test' });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(saveAppLogin({ paths, user: 'alice', cluster: 'example.test', certPem: await appCert('x', publicKey, false), key: privateKey })).rejects.toThrow(/no route to an app/);
  });
});
