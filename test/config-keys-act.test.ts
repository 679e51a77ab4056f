/**
 * teleport.yaml keys shown acting on a real cluster, for src/config/key-proofs.test.ts: a v3
 * `join_params` (issue 16: it was parsed and then ignored, so a node with `join_params:
 * {token_name, method: token}` refused to start asking for --token) joins through the proxy with
 * no auth_token and no --token; auth_service.public_addr is in the auth server's certificate.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Node } from '../src/api/types/index.js';
import { checkConfigOnHost, loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { WebAgent } from './helpers/web-http.js';

let c: TestCluster;
let dir: string;
let node: TeleportProcess | undefined;

beforeAll(async () => {
  c = await startCluster({ clusterName: 'keys-act.test', authExtra: 'public_addr: [auth.keys-act.test:3025]\ndisconnect_expired_cert: yes\nmessage_of_the_day: "keys act"' });
  dir = await mkdtemp(join(tmpdir(), 'tp-join-params-'));
});
afterAll(async () => {
  await node?.close();
  await c?.close();
  await rm(dir, { recursive: true, force: true });
});

it('a v3 node joins with join_params method token through proxy_server, with no auth_token or --token', async () => {
  const admin = await c.admin();
  const { token } = await admin.generateToken({ roles: ['node'] });
  const pin = (await admin.status()).cas.find((ca) => ca.type === 'host')!.pins[0];
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'teleport.yaml');
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      '  nodename: joined-by-params',
      `  data_dir: ${dataDir}`,
      `  join_params: {token_name: ${token}, method: token}`,
      `  ca_pin: ${pin}`,
      `  proxy_server: ${c.webAddr}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service: {enabled: yes}',
      '',
    ].join('\n'),
  );
  node = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
  await node.start();
  const hostId = (await readFile(join(dataDir, 'host_uuid'), 'utf8')).trim();
  // The node's heartbeat arrives through its tunnel after start.
  let me: Node | undefined;
  for (const deadline = Date.now() + 20_000; !me?.spec.use_tunnel && Date.now() < deadline; ) {
    me = (await admin.listNodes<Node>()).find((n) => n.metadata.name === hostId);
    if (!me?.spec.use_tunnel) await new Promise((r) => setTimeout(r, 100));
  }
  expect(me?.spec).toMatchObject({ hostname: 'joined-by-params', use_tunnel: true });
});

it('a join method this release does not run is refused at start with the key and line', async () => {
  // ec2, iam and kubernetes act (test/join-ec2.test.ts, join-iam, join-kubernetes); the other methods Teleport names are refused.
  const configPath = join(dir, 'azure.yaml');
  await writeFile(configPath, 'version: v3\nteleport:\n  join_params: {token_name: azure-token, method: azure}\n  proxy_server: proxy.example.com:443\nauth_service: {enabled: no}\nproxy_service: {enabled: no}\n');
  const cfg = await loadConfigFile(configPath);
  await expect(checkConfigOnHost(cfg)).rejects.toThrow(`${configPath}:3: teleport.join_params.method: join method "azure" is not available in this release; join with method token, ec2, iam or kubernetes`);
});

it('auth_service.public_addr is a name in the auth server\'s TLS certificate', async () => {
  const [host, port] = [c.authAddr.slice(0, c.authAddr.lastIndexOf(':')), Number(c.authAddr.slice(c.authAddr.lastIndexOf(':') + 1))];
  const names = await new Promise<string>((resolve, reject) => {
    const s = connect({ host, port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().subjectaltname ?? '');
      s.destroy();
    });
    s.on('error', reject);
  });
  expect(names).toContain('DNS:auth.keys-act.test');
});

it('auth_service.disconnect_expired_cert and message_of_the_day set the cluster auth preference without an authentication section', async () => {
  const cap = await (await c.admin()).getResource<{ spec: Record<string, unknown> }>('cluster_auth_preference', 'cluster-auth-preference');
  expect(cap.spec).toMatchObject({ disconnect_expired_cert: true, message_of_the_day: 'keys act' });
});

it('authentication.default_session_ttl is the TTL of user certificates issued without one asked for; local_auth: false refuses password logins', async () => {
  const other = await startCluster({ clusterName: 'ttl.test', authExtra: 'authentication: {type: local, second_factor: otp, default_session_ttl: 2h, local_auth: false}' });
  try {
    const admin = await other.admin();
    await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'ttl-user' }, spec: { roles: ['access'], traits: { logins: ['root'] } } });
    const { publicKey } = generateKeyPairSync('ed25519');
    const issued = async (ttl?: number): Promise<number> => {
      const res = await admin.generateUserCerts({ username: 'ttl-user', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), ...(ttl && { ttl_ms: ttl }) });
      const cert = new X509Certificate(res.tls);
      return Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    };
    const hour = 3_600_000;
    expect(Math.abs((await issued()) - 2 * hour)).toBeLessThan(5 * 60_000);
    expect(Math.abs((await issued(3 * hour)) - 3 * hour)).toBeLessThan(5 * 60_000); // an asked-for TTL still wins
    // authentication.local_auth: false refuses password logins (before any user or password check).
    const login = await new WebAgent(other).call('POST', '/webapi/ssh/certs', { user: 'ttl-user', password: 'whatever it is', otp_token: '000000', tls_pub_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), ttl: 3_600_000_000_000 });
    expect(login.status).toBe(403);
    expect(login.text).toContain('local authentication is disabled for this cluster');
  } finally {
    await other.close();
  }
});

it('proxy_service.https_keypairs is the certificate the web port serves', async () => {
  const kdir = join(dir, 'https');
  await mkdir(kdir);
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=web.keys-act.test',
    '-keyout', join(kdir, 'key.pem'), '-out', join(kdir, 'cert.pem')], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  const configPath = join(kdir, 'teleport.yaml');
  await writeFile(configPath, [
    'teleport:',
    `  data_dir: ${join(kdir, 'data')}`,
    '  log: {output: stderr, severity: ERROR}',
    'auth_service: {listen_addr: 127.0.0.1:0}',
    'ssh_service: {enabled: no}',
    'proxy_service:',
    '  web_listen_addr: 127.0.0.1:0',
    '  listen_addr: 127.0.0.1:0',
    '  tunnel_listen_addr: 127.0.0.1:0',
    `  https_keypairs: [{key_file: ${join(kdir, 'key.pem')}, cert_file: ${join(kdir, 'cert.pem')}}]`,
    '',
  ].join('\n'));
  const proc = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
  try {
    const addrs = await proc.start();
    const subject = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: addrs.proxyWeb!.port, servername: 'web.keys-act.test', rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate().subject.CN as string);
        s.destroy();
      });
      s.on('error', reject);
    });
    expect(subject).toBe('web.keys-act.test');
  } finally {
    await proc.close();
  }
});
