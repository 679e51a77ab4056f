import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError, NotFoundError } from '../api/errors.js';
import { defaultConfig, loadConfigFile, parseConfig } from './parse.js';

// The three tutorial configs, verbatim.
const AUTH_TUTORIAL = `teleport:
  nodename: auth-1
  pid_file: /tmp/t/teleport.pid
  data_dir: /tmp/t/data
  log: {output: stderr, severity: INFO}
auth_service:
  enabled: "yes"
  cluster_name: "main"
  authentication: {type: local, second_factor: otp}
  listen_addr: 0.0.0.0:3025
  session_recording: "node"
  public_addr: [ "127.0.0.1:3025" ]
ssh_service: {enabled: "no"}
proxy_service: {enabled: "no"}
`;

const NODE_TUTORIAL = `teleport:
  nodename: node-1
  data_dir: /var/lib/teleport
  auth_servers: [ 127.0.0.1:3025 ]
  connection_limits: {max_connections: 1000, max_users: 250}
ssh_service:
  enabled: "yes"
  listen_addr: 0.0.0.0:3022
  public_addr: 127.0.0.1:3022
  commands:
  - name: hostname
    command: [/bin/hostname]
    period: 1m0s
  - {name: arch, command: [/bin/uname, -p], period: 1h0m0s}
  labels: {env: test}
`;

const EC2_TUTORIAL = `version: v3
teleport:
  join_params: {token_name: ec2-token, method: ec2}
  proxy_server: https://teleport.example.com:443
ssh_service: {enabled: true}
auth_service: {enabled: false}
proxy_service: {enabled: false}
`;

const opts = { hostname: 'test-host' };

describe('tutorial configs', () => {
  it('loads the auth server tutorial', () => {
    const cfg = parseConfig(AUTH_TUTORIAL, opts);
    expect(cfg.version).toBe('v1');
    expect(cfg.services).toEqual({
      auth: true,
      ssh: false,
      proxy: false,
      db: false,
      kube: false,
      app: false,
      windowsDesktop: false,
      discovery: false,
    });
    expect(cfg.teleport).toMatchObject({
      nodename: 'auth-1',
      pidFile: '/tmp/t/teleport.pid',
      dataDir: '/tmp/t/data',
      log: { output: 'stderr', severity: 'INFO', format: { output: 'text', extraFields: [] } },
      storage: { type: 'sqlite', path: '/tmp/t/data/backend', auditEventsUri: [] },
    });
    expect(cfg.auth).toMatchObject({
      clusterName: 'main',
      listenAddr: { host: '0.0.0.0', port: 3025 },
      publicAddrs: [{ host: '127.0.0.1', port: 3025 }],
      sessionRecording: 'node',
      authentication: { type: 'local', secondFactor: 'otp', localAuth: true },
      networking: {},
      proxyListenerMode: 'separate',
    });
  });

  it('loads the node tutorial', () => {
    const cfg = parseConfig(NODE_TUTORIAL, opts);
    expect(cfg.services).toMatchObject({ auth: true, ssh: true, proxy: true });
    expect(cfg.teleport.nodename).toBe('node-1');
    expect(cfg.teleport.authServers).toEqual([{ host: '127.0.0.1', port: 3025 }]);
    expect(cfg.teleport.connectionLimits).toEqual({ maxConnections: 1000, maxUsers: 250, rates: [] });
    expect(cfg.ssh.listenAddr).toEqual({ host: '0.0.0.0', port: 3022 });
    expect(cfg.ssh.publicAddrs).toEqual([{ host: '127.0.0.1', port: 3022 }]);
    expect(cfg.ssh.labels).toEqual({ env: 'test' });
    expect(cfg.ssh.commands).toEqual([
      { name: 'hostname', command: ['/bin/hostname'], period: 60_000 },
      { name: 'arch', command: ['/bin/uname', '-p'], period: 3_600_000 },
    ]);
  });

  it('loads the v3 EC2 join tutorial', () => {
    const cfg = parseConfig(EC2_TUTORIAL, opts);
    expect(cfg.version).toBe('v3');
    expect(cfg.services).toMatchObject({ auth: false, ssh: true, proxy: false });
    expect(cfg.teleport.joinParams).toEqual({ tokenName: 'ec2-token', method: 'ec2' });
    expect(cfg.teleport.proxyServer).toEqual({ host: 'teleport.example.com', port: 443 });
    expect(cfg.teleport.authServers).toEqual([]);
    expect(cfg.teleport.nodename).toBe('test-host');
  });
});

describe('defaults', () => {
  it('an empty file runs auth, proxy and ssh with Teleport defaults', () => {
    const cfg = parseConfig('', opts);
    expect(cfg.services).toMatchObject({ auth: true, ssh: true, proxy: true, db: false, kube: false, app: false });
    expect(cfg.teleport).toMatchObject({
      nodename: 'test-host',
      dataDir: '/var/lib/teleport',
      caPins: [],
      cache: { enabled: true, type: 'in-memory', maxBackoff: 90_000 },
      connectionLimits: { maxConnections: 15000, maxUsers: 250, rates: [] },
      storage: { type: 'sqlite', path: '/var/lib/teleport/backend' },
    });
    expect(cfg.auth.listenAddr).toEqual({ host: '0.0.0.0', port: 3025 });
    expect(cfg.auth.authentication.secondFactor).toBe('otp');
    expect(cfg.ssh.listenAddr).toEqual({ host: '0.0.0.0', port: 3022 });
    expect(cfg.proxy.webListenAddr).toEqual({ host: '0.0.0.0', port: 3080 });
    expect(cfg.proxy.listenAddr).toEqual({ host: '0.0.0.0', port: 3023 });
    expect(cfg.proxy.tunnelListenAddr).toEqual({ host: '0.0.0.0', port: 3024 });
    expect(cfg.ssh.pam.serviceName).toBe('sshd');
  });

  it('defaultConfig runs the three services on the given data dir', () => {
    const cfg = defaultConfig({ dataDir: '/srv/tp', nodename: 'n1' });
    expect(cfg.services).toMatchObject({ auth: true, ssh: true, proxy: true });
    expect(cfg.teleport.dataDir).toBe('/srv/tp');
    expect(cfg.teleport.storage.path).toBe('/srv/tp/backend');
    expect(cfg.teleport.nodename).toBe('n1');
    expect(cfg.path).toBeUndefined();
  });

  it('v3 keeps Teleport’s enabled defaults: auth, ssh and proxy on unless turned off', () => {
    const cfg = parseConfig('version: v3\nteleport:\n  auth_server: auth.example.com\nproxy_service: {enabled: off}\n', opts);
    expect(cfg.services).toMatchObject({ auth: true, ssh: true, proxy: false });
    expect(cfg.teleport.authServers).toEqual([{ host: 'auth.example.com', port: 3025 }]);
  });
});

describe('values', () => {
  it.each([
    ['yes', true],
    ['"yes"', true],
    ['true', true],
    ['on', true],
    ['"on"', true],
    ['Yes', true],
    ['no', false],
    ['"no"', false],
    ['false', false],
    ['off', false],
    ['1', true],
    ['0', false],
  ])('enabled: %s', (text, want) => {
    expect(parseConfig(`ssh_service:\n  enabled: ${text}\n`, opts).services.ssh).toBe(want);
  });

  it.each([
    ['1m0s', 60_000],
    ['1h0m0s', 3_600_000],
    ['5m', 300_000],
    ['30h', 108_000_000],
    ['90s', 90_000],
  ])('duration %s', (text, ms) => {
    expect(parseConfig(`auth_service:\n  keep_alive_interval: ${text}\n`, opts).auth.networking.keepAliveInterval).toBe(ms);
  });

  it('ca_pin takes a string or a list', () => {
    expect(parseConfig('teleport:\n  ca_pin: sha256:aa\n', opts).teleport.caPins).toEqual(['sha256:aa']);
    expect(parseConfig('teleport:\n  ca_pin: [sha256:aa, sha256:bb]\n', opts).teleport.caPins).toEqual([
      'sha256:aa',
      'sha256:bb',
    ]);
    expect(parseConfig('teleport:\n  ca_pin: ""\n', opts).teleport.caPins).toEqual([]);
  });

  it('parses static tokens into canonical roles', () => {
    const cfg = parseConfig('auth_service:\n  tokens:\n  - "node,proxy:abc123"\n  - "DB:x:y"\n', opts);
    expect(cfg.auth.tokens).toEqual([
      { roles: ['Node', 'Proxy'], token: 'abc123' },
      { roles: ['Db'], token: 'x:y' },
    ]);
  });

  it('log severity is case-insensitive and output aliases map', () => {
    const cfg = parseConfig('teleport:\n  log: {output: stdout, severity: debug, format: {output: JSON, extra_fields: [caller]}}\n', opts);
    expect(cfg.teleport.log).toEqual({ output: 'stdout', severity: 'DEBUG', format: { output: 'json', extraFields: ['caller'] } });
    expect(parseConfig('teleport:\n  log: {severity: warning, output: /var/log/t.log}\n', opts).teleport.log).toMatchObject({
      severity: 'WARN',
      output: '/var/log/t.log',
    });
    // The legacy form lists extra fields directly under format.
    expect(parseConfig('teleport:\n  log: {format: [level, timestamp]}\n', opts).teleport.log.format).toEqual({
      output: 'text',
      extraFields: ['level', 'timestamp'],
    });
  });

  it('takes audit URIs from storage, or from auth_service as older guides write them', () => {
    const fromStorage = parseConfig(
      'teleport:\n  storage:\n    type: dir\n    path: /data/db\n    audit_events_uri: [file:///var/log/audit, stdout://]\n    audit_sessions_uri: file:///var/rec\n',
      opts,
    );
    expect(fromStorage.teleport.storage).toMatchObject({
      type: 'dir',
      path: '/data/db',
      auditEventsUri: ['file:///var/log/audit', 'stdout://'],
      auditSessionsUri: 'file:///var/rec',
    });
    const fromAuth = parseConfig('auth_service:\n  audit_events_uri: file:///a\n  audit_sessions_uri: file:///b\n', opts);
    expect(fromAuth.teleport.storage.auditEventsUri).toEqual(['file:///a']);
    expect(fromAuth.teleport.storage.auditSessionsUri).toBe('file:///b');
  });

  it('reads proxy listeners, key pairs (with the legacy pair) and ACME', () => {
    const cfg = parseConfig(
      `proxy_service:
  web_listen_addr: 127.0.0.1:0
  public_addr: [proxy.example.com, "proxy2.example.com:8443"]
  kube_listen_addr: 0.0.0.0
  https_keypairs:
  - {key_file: /k1, cert_file: /c1}
  https_key_file: /k2
  https_cert_file: /c2
  trust_x_forwarded_for: yes
  acme: {enabled: "yes", email: a@example.com}
`,
      opts,
    );
    expect(cfg.proxy.webListenAddr).toEqual({ host: '127.0.0.1', port: 0 });
    expect(cfg.proxy.publicAddrs).toEqual([
      { host: 'proxy.example.com', port: 3080 },
      { host: 'proxy2.example.com', port: 8443 },
    ]);
    expect(cfg.proxy.kubeListenAddr).toEqual({ host: '0.0.0.0', port: 3026 });
    expect(cfg.proxy.httpsKeypairs).toEqual([
      { keyFile: '/k1', certFile: '/c1' },
      { keyFile: '/k2', certFile: '/c2' },
    ]);
    expect(cfg.proxy.trustXForwardedFor).toBe(true);
    expect(cfg.proxy.acme).toEqual({ enabled: true, email: 'a@example.com', uri: undefined });
  });

  it('accepts later services loosely and records them as enabled', () => {
    const cfg = parseConfig(
      'db_service:\n  enabled: "yes"\n  databases:\n  - {name: pg, protocol: postgres, uri: "localhost:5432"}\napp_service: {enabled: no}\n',
      opts,
    );
    expect(cfg.services.db).toBe(true);
    expect(cfg.services.app).toBe(false);
    expect(cfg.db.databases.map((d) => [d.name, d.protocol, d.uriText])).toEqual([['pg', 'postgres', 'localhost:5432']]);
  });

  it('reads labels with numeric values as their text, as Go does', () => {
    expect(parseConfig('ssh_service:\n  labels: {version: 1.10, n: 7}\n', opts).ssh.labels).toEqual({ version: '1.10', n: '7' });
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a file and remembers its path', async () => {
    const path = join(dir, 'teleport.yaml');
    await writeFile(path, NODE_TUTORIAL);
    const cfg = await loadConfigFile(path);
    expect(cfg.path).toBe(path);
    expect(cfg.teleport.nodename).toBe('node-1');
  });

  it('throws NotFoundError for a missing file', async () => {
    await expect(loadConfigFile(join(dir, 'nope.yaml'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('names the file and line in errors', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'teleport:\n  nodename: a\n  colour: blue\n');
    const err = await loadConfigFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toBe(`${path}:3: teleport.colour: unknown key "colour"`);
  });
});
