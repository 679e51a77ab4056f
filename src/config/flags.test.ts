import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { applyStartFlags, parseLabelSpec } from './flags.js';
import { parseConfig } from './parse.js';

const NODE = `teleport:
  nodename: node-1
  data_dir: /var/lib/teleport
  auth_servers: [127.0.0.1:3025]
  auth_token: from-file
ssh_service:
  labels: {env: test}
  commands:
  - {name: arch, command: [uname, -p], period: 1h}
`;

describe('applyStartFlags', () => {
  it('--roles turns on exactly the listed services', () => {
    const cfg = parseConfig(NODE, { hostname: 'h' });
    const out = applyStartFlags(cfg, { roles: 'node,proxy' });
    expect(out.services).toEqual({
      auth: false,
      ssh: true,
      proxy: true,
      db: false,
      kube: false,
      app: false,
      windowsDesktop: false,
      discovery: false,
    });
    expect(applyStartFlags(cfg, { roles: 'Auth, db' }).services).toMatchObject({ auth: true, db: true, ssh: false });
    // The input is left alone.
    expect(cfg.services).toMatchObject({ auth: true, ssh: true, proxy: true });
  });

  it('refuses an unknown role', () => {
    const cfg = parseConfig('', { hostname: 'h' });
    expect(() => applyStartFlags(cfg, { roles: 'node,wizard' })).toThrow(BadParameterError);
    expect(() => applyStartFlags(cfg, { roles: 'node,wizard' })).toThrow(/--roles: unknown role "wizard"/);
  });

  it('flags override the file', () => {
    const cfg = parseConfig(NODE, { hostname: 'h' });
    const out = applyStartFlags(cfg, {
      token: 'flag-token',
      caPin: ['sha256:aa', 'sha256:bb,sha256:cc'],
      authServer: ['auth.example.com'],
      nodename: 'renamed',
      dataDir: '/tmp/d',
      pidFile: '/tmp/d/pid',
      diagAddr: '127.0.0.1:3000',
      advertiseIp: '10.0.0.9',
      insecureNoTls: true,
    });
    expect(out.teleport).toMatchObject({
      authToken: 'flag-token',
      joinParams: { tokenName: 'flag-token', method: 'token' },
      caPins: ['sha256:aa', 'sha256:bb', 'sha256:cc'],
      authServers: [{ host: 'auth.example.com', port: 3025 }],
      nodename: 'renamed',
      dataDir: '/tmp/d',
      pidFile: '/tmp/d/pid',
      diagAddr: { host: '127.0.0.1', port: 3000 },
      advertiseIp: '10.0.0.9',
    });
    // The default storage path follows the data dir; an explicit one would not.
    expect(out.teleport.storage.path).toBe('/tmp/d/backend');
    const explicit = parseConfig('teleport:\n  storage: {path: /db}\n', { hostname: 'h' });
    expect(applyStartFlags(explicit, { dataDir: '/tmp/d' }).teleport.storage.path).toBe('/db');
    expect(out.proxy.disableTls).toBe(true);
  });

  it('--token keeps the file’s join method', () => {
    const cfg = parseConfig('version: v3\nteleport:\n  auth_server: a\n  join_params: {token_name: x, method: iam}\n', {
      hostname: 'h',
    });
    expect(applyStartFlags(cfg, { token: 'y' }).teleport.joinParams).toEqual({ tokenName: 'y', method: 'iam' });
  });

  it('--labels replaces the static and command labels', () => {
    const cfg = parseConfig(NODE, { hostname: 'h' });
    const out = applyStartFlags(cfg, { labels: 'env=prod,team=a' });
    expect(out.ssh.labels).toEqual({ env: 'prod', team: 'a' });
    expect(out.ssh.commands).toEqual([]);
  });

  it('--listen-ip moves every listener, ports kept', () => {
    const out = applyStartFlags(parseConfig('', { hostname: 'h' }), { listenIp: '127.0.0.1' });
    expect(out.auth.listenAddr).toEqual({ host: '127.0.0.1', port: 3025 });
    expect(out.ssh.listenAddr).toEqual({ host: '127.0.0.1', port: 3022 });
    expect(out.proxy.webListenAddr).toEqual({ host: '127.0.0.1', port: 3080 });
    expect(out.proxy.listenAddr).toEqual({ host: '127.0.0.1', port: 3023 });
    expect(out.proxy.tunnelListenAddr).toEqual({ host: '127.0.0.1', port: 3024 });
  });

  it('--auth-server replaces a v3 proxy_server, and v3 takes one address', () => {
    const cfg = parseConfig('version: v3\nteleport:\n  proxy_server: p.example.com:443\nproxy_service: {enabled: no}\n', {
      hostname: 'h',
    });
    const out = applyStartFlags(cfg, { authServer: ['10.0.0.1'] });
    expect(out.teleport.proxyServer).toBeUndefined();
    expect(out.teleport.authServers).toEqual([{ host: '10.0.0.1', port: 3025 }]);
    expect(() => applyStartFlags(cfg, { authServer: ['a', 'b'] })).toThrow(/v3 takes one/);
  });

  it.each([
    [{ diagAddr: 'localhost' }, /--diag-addr: .*port is required/],
    [{ authServer: ['3025x'] }, /--auth-server/],
    [{ listenIp: 'not an ip' }, /--listen-ip/],
    [{ labels: 'novalue' }, /--labels/],
  ])('refuses bad flag values %j', (flags, why) => {
    const cfg = parseConfig('', { hostname: 'h' });
    expect(() => applyStartFlags(cfg, flags)).toThrow(BadParameterError);
    expect(() => applyStartFlags(cfg, flags)).toThrow(why);
  });
});

describe('--db-* (the command tctl tokens add --type=db prints)', () => {
  it('--db-name, --db-protocol, --db-uri and --db-description add a database the agent serves', () => {
    const cfg = parseConfig('', { hostname: 'h' });
    const out = applyStartFlags(cfg, { roles: 'db', db: { name: 'pg-main', protocol: 'postgres', uri: 'db.internal:5433', description: 'main' } });
    expect(out.services.db).toBe(true);
    expect(out.db.databases).toEqual([
      { name: 'pg-main', description: 'main', protocol: 'postgres', uri: { host: 'db.internal', port: 5433 }, uriText: 'db.internal:5433', staticLabels: {}, tls: { mode: 'verify-full' } },
    ]);
    // A MySQL address without a port takes 3306.
    const my = applyStartFlags(cfg, { roles: 'db', db: { name: 'm', protocol: 'mysql', uri: 'maria' } });
    expect(my.db.databases[0].uri).toEqual({ host: 'maria', port: 3306 });
  });

  it.each([
    [{ roles: 'node', db: { name: 'a', protocol: 'postgres', uri: 'h:1' } }, /add --roles=db/],
    [{ roles: 'db', db: { name: 'a', uri: 'h:1' } }, /--db-protocol: required/],
    [{ roles: 'db', db: { name: 'a', protocol: 'mongodb', uri: 'h:1' } }, /--db-protocol: "mongodb" is not one of postgres, mysql/],
    [{ roles: 'db', db: { name: 'a', protocol: 'postgres', uri: 'h:port' } }, /--db-uri/],
  ])('refuses %j naming the flag', (flags, why) => {
    const cfg = parseConfig('', { hostname: 'h' });
    expect(() => applyStartFlags(cfg, flags)).toThrow(why);
  });
});

describe('parseLabelSpec', () => {
  it('reads static and command labels, commas inside brackets kept', () => {
    expect(parseLabelSpec('env=prod, arch=[1h:uname -p],x=[5m:echo a,b]')).toEqual({
      labels: { env: 'prod' },
      commands: [
        { name: 'arch', command: ['uname', '-p'], period: 3_600_000 },
        { name: 'x', command: ['echo', 'a,b'], period: 300_000 },
      ],
    });
  });

  it('refuses a bad period', () => {
    expect(() => parseLabelSpec('a=[soon:date]')).toThrow(BadParameterError);
  });
});
