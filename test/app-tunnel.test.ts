/**
 * An application agent on a host of its own: a second process running only app_service joins
 * through the proxy with a `tctl tokens add --type=app` token (system role App), heartbeats its app
 * through the reverse tunnel, and serves requests the proxy sends it there. Its app has no
 * public_addr, so it is `<name>.<the proxy's public host>` (from the proxy's /webapi/find).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { loadConfigFile } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { TeleportProcess } from '../src/service/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

let c: TestCluster;
let app: Server;
let agent: TeleportProcess | undefined;
let agentDir = '';

async function tctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: c.dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

beforeAll(async () => {
  app = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`plain app for ${String(JSON.parse(Buffer.from(String(req.headers['teleport-jwt-assertion']).split('.')[1], 'base64url').toString()).username)}`);
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  c = await startCluster({ proxyExtra: 'public_addr: localhost:3080' });
  const admin = await c.admin();
  await admin.createResource({ kind: 'role', version: 'v7', metadata: { name: 'apps' }, spec: { allow: { app_labels: { '*': '*' } }, deny: {} } });
  await admin.createResource({ kind: 'user', version: 'v2', metadata: { name: 'dora' }, spec: { roles: ['apps'] } });
}, 60_000);

afterAll(async () => {
  await agent?.close();
  if (agentDir) await rm(agentDir, { recursive: true, force: true });
  app?.close();
  await c?.close();
});

describe('an application agent joined through the proxy', () => {
  it('joins with a --type=app token, is listed by tctl apps ls and serves through its tunnel', async () => {
    const tokens = await tctl('tokens', 'add', '--type=app', '--format=text');
    expect(tokens.code, tokens.err).toBe(0);
    const pin = (await (await c.admin()).status()).cas.find((x) => x.type === 'host')!.pins[0];
    agentDir = await mkdtemp(join(tmpdir(), 'tp-appagent-'));
    const configPath = join(agentDir, 'teleport.yaml');
    await writeFile(
      configPath,
      [
        'version: v3',
        'teleport:',
        '  nodename: app-host',
        `  data_dir: ${join(agentDir, 'data')}`,
        `  auth_token: ${tokens.out.trim()}`,
        `  ca_pin: ${pin}`,
        `  proxy_server: ${c.webAddr}`,
        '  log: {output: stderr, severity: ERROR}',
        'auth_service: {enabled: no}',
        'proxy_service: {enabled: no}',
        'ssh_service: {enabled: no}',
        'app_service:',
        '  enabled: yes',
        '  apps:',
        '  - name: plain',
        `    uri: http://127.0.0.1:${(app.address() as AddressInfo).port}`,
        '    labels: {team: infra}',
        '',
      ].join('\n'),
    );
    agent = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
    await agent.start();

    const deadline = Date.now() + 20_000;
    let ls = '';
    while (Date.now() < deadline && !ls.includes('plain')) {
      ls = (await tctl('apps', 'ls')).out;
      if (!ls.includes('plain')) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ls).toMatch(/app-host\s+plain\s+plain\.localhost\s+http:\/\/127\.0\.0\.1:\d+\s+team=infra/);

    const admin = await c.admin();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await admin.generateUserCerts({ username: 'dora', public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const dora = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, credentials: { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: certs.tls, caPems: certs.tls_ca_certs } });
    const s = await dora.createAppSession({ public_addr: 'plain.localhost' });
    const port = Number(c.webAddr.split(':')[1]);
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          servername: 'plain.localhost',
          rejectUnauthorized: false,
          headers: { host: `plain.localhost:${port}`, cookie: `__Host-grv_app_session=${s.session_id}; __Host-grv_app_session_subject=${s.subject_token}` },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        },
      )
        .on('error', reject)
        .end();
    });
    expect(body).toBe('200 plain app for dora');
  });
});
