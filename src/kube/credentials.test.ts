import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { clustersFromKubeconfig, inClusterCredentials } from './credentials.js';

const files = (m: Record<string, string>) => async (p: string): Promise<string> => {
  if (!(p in m)) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
  return m[p];
};
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubeconfig credentials', () => {
  it('makes one cluster per context, named after it, with inline and file credentials', async () => {
    const kc = stringify({
      clusters: [
        { name: 'c1', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64('CA1') } },
        { name: 'c2', cluster: { server: 'https://k.example.com/prefix/', 'certificate-authority': 'ca2.pem', 'tls-server-name': 'kube' } },
      ],
      users: [
        { name: 'u1', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } },
        { name: 'u2', user: { tokenFile: '/var/tok' } },
      ],
      contexts: [
        { name: 'dev', context: { cluster: 'c1', user: 'u1' } },
        { name: 'prod', context: { cluster: 'c2', user: 'u2' } },
      ],
    });
    const got = await clustersFromKubeconfig('/etc/k/kc.yaml', files({ '/etc/k/kc.yaml': kc, '/etc/k/ca2.pem': 'CA2', '/var/tok': 'sekret\n' }));
    expect(got.map((c) => c.name)).toEqual(['dev', 'prod']);
    expect(got[0].credentials).toMatchObject({ caPems: ['CA1'], certPem: 'CERT', keyPem: 'KEY' });
    expect(got[0].credentials.server.host).toBe('10.0.0.1:6443');
    expect(got[1].credentials).toMatchObject({ caPems: ['CA2'], serverName: 'kube' });
    expect(await got[1].credentials.token!()).toBe('sekret');
  });

  it('refuses exec plugins, missing users and plain http with the context named', async () => {
    const one = (cluster: object, user: object) =>
      stringify({ clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }] });
    const read = (text: string) => clustersFromKubeconfig('/k', files({ '/k': text }));
    await expect(read(one({ server: 'https://h' }, { exec: { command: 'aws' } }))).rejects.toThrow(/context "ctx": exec and auth-provider credentials are not supported/);
    await expect(read(one({ server: 'http://h' }, { token: 't' }))).rejects.toThrow(/is not https/);
    await expect(read(one({ server: 'https://h' }, {}))).rejects.toThrow(/has no client certificate or token/);
    await expect(read('contexts: []\n')).rejects.toThrow(/has no contexts/);
    await expect(clustersFromKubeconfig('/nope', files({}))).rejects.toThrow(/kubeconfig_file \/nope: ENOENT/);
  });
});

describe('in-cluster credentials', () => {
  it('reads the in-cluster service account', async () => {
    const read = files({ '/sa/token': 'tok-1\n', '/sa/ca.crt': 'CA' });
    const c = await inClusterCredentials('k8s', { env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir: '/sa', read });
    expect(c.name).toBe('k8s');
    expect(c.credentials.server.href).toBe('https://10.96.0.1/');
    expect(c.credentials.caPems).toEqual(['CA']);
    expect(await c.credentials.token!()).toBe('tok-1');
    await expect(inClusterCredentials('k8s', { env: {}, dir: '/sa', read })).rejects.toThrow(/KUBERNETES_SERVICE_HOST is not set/);
    await expect(inClusterCredentials('k8s', { env: { KUBERNETES_SERVICE_HOST: 'h' }, dir: '/none', read })).rejects.toThrow(/cannot read the service account under \/none/);
  });
});
