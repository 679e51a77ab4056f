// The texts of `tsh apps`: Teleport's table, config formats, curl command and login messages,
// and which login a command means.
import { describe, expect, it } from 'vitest';
import type { AgentServer } from '../../api/types/index.js';
import type { AppLogin } from '../../client/index.js';
import { appLoginText, appsOfServers, appURI, curlCommand, findApp, isTCPApp, pickAppLogin, tcpAppLoginText, type AppResource } from './app-common.js';
import { formatAppConfig } from './app-config.js';
import { appsTable, filterApps } from './app-ls.js';
import { parseLocalPort } from './proxy-app.js';

const app = (name: string, uri: string, extra: Partial<AppResource['metadata']> = {}): AppResource => ({
  kind: 'app',
  version: 'v3',
  metadata: { name, ...extra },
  spec: { uri, public_addr: `${name}.localhost` },
});
const login = (name: string): AppLogin => ({
  route: { name, sessionId: `s-${name}`, publicAddr: `${name}.localhost`, clusterName: 'example.test' },
  certPath: `/h/.tsh/keys/proxy/alice-app/example.test/${name}.crt`,
  keyPath: `/h/.tsh/keys/proxy/alice-app/example.test/${name}.key`,
  caPath: '/h/.tsh/keys/proxy/certs.pem',
  expires: new Date(0),
});
const server = (a: AppResource, host: string): AgentServer => ({ kind: 'app_server', version: 'v3', metadata: { name: a.metadata.name }, spec: { host_id: host, hostname: host, version: '1', app: a } }) as unknown as AgentServer;

describe('tsh apps ls', () => {
  it("prints Teleport's table, marking the apps logged into and telling HTTP from TCP apps", () => {
    const apps = [app('dashboard', 'https://127.0.0.1:8443', { description: 'Kubernetes dashboard', labels: { env: 'dev' } }), app('pg-tcp', 'tcp://127.0.0.1:5432')];
    expect(appsTable(apps, [login('dashboard')], false, 200)).toBe(
      [
        'Application Description          Type Public Address      Labels  ',
        '----------- -------------------- ---- ------------------- ------- ',
        '> dashboard Kubernetes dashboard HTTP dashboard.localhost env=dev ',
        'pg-tcp                           TCP  pg-tcp.localhost            ',
        '',
      ].join('\n') + '\n',
    );
    expect(appsTable(apps, [], true, 80)).toContain('URI');
    expect(appsTable(apps, [], true, 80)).toContain('tcp://127.0.0.1:5432');
  });

  it('lists each app once, by name, however many agents serve it', () => {
    const a = app('b', 'http://x');
    expect(appsOfServers([server(a, 'h1'), server(app('a', 'http://y'), 'h1'), server(a, 'h2')]).map((x) => x.metadata.name)).toEqual(['a', 'b']);
    const labelled = [app('a', 'http://x', { labels: { env: 'dev', team: 'x' } }), app('b', 'http://y', { labels: { env: 'prod' } }), app('c', 'http://z')];
    expect(filterApps(labelled, { env: 'dev' }).map((x) => x.metadata.name)).toEqual(['a']);
    expect(filterApps(labelled, {}).map((x) => x.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(filterApps(labelled, { env: 'dev', team: 'y' })).toEqual([]);
    expect(isTCPApp(app('x', 'TCP://h:1'))).toBe(true);
    expect(isTCPApp(app('x', 'https://h'))).toBe(false);
    expect(() => findApp([a], 'nope')).toThrow('app "nope" not found, use "tsh apps ls" to see registered apps');
  });
});

describe('tsh apps login and config', () => {
  it("prints Teleport's curl command and messages", () => {
    expect(appURI('dashboard.localhost', 'proxy.test:3080')).toBe('https://dashboard.localhost:3080');
    expect(appURI('dashboard.example.com', 'proxy.example.com:443')).toBe('https://dashboard.example.com');
    const curl = curlCommand(login('dashboard'), 'https://dashboard.localhost:3080', true);
    expect(curl).toBe('curl --insecure \\\n  --cert /h/.tsh/keys/proxy/alice-app/example.test/dashboard.crt \\\n  --key /h/.tsh/keys/proxy/alice-app/example.test/dashboard.key \\\n  https://dashboard.localhost:3080');
    expect(appLoginText('dashboard', curl, true)).toBe(
      `Logged into app dashboard. Example curl command:\n\n${curl}\n\nWARNING: tsh was called with --insecure, so this curl command will be unable to validate the certificate presented by Teleport.\n`,
    );
    expect(appLoginText('dashboard', 'curl x', false)).toBe('Logged into app dashboard. Example curl command:\n\ncurl x\n');
    expect(tcpAppLoginText('pg-tcp')).toBe('Logged into TCP app pg-tcp. Start the local TCP proxy for it:\n\n  tsh proxy app pg-tcp\n\nThen connect to the application through this proxy.\n');
  });

  it('prints each config format', () => {
    const l = login('dashboard');
    expect(formatAppConfig(l, 'proxy.test:3080', 'uri', false)).toBe('https://dashboard.localhost:3080');
    expect(formatAppConfig(l, 'proxy.test:3080', 'cert', false)).toBe(l.certPath);
    expect(formatAppConfig(l, 'proxy.test:3080', 'key', false)).toBe(l.keyPath);
    expect(formatAppConfig(l, 'proxy.test:3080', 'ca', false)).toBe(l.caPath);
    expect(formatAppConfig(l, 'proxy.test:3080', 'CURL', false)).toBe(curlCommand(l, 'https://dashboard.localhost:3080', false));
    expect(JSON.parse(formatAppConfig(l, 'proxy.test:3080', 'json', false))).toEqual({
      name: 'dashboard',
      uri: 'https://dashboard.localhost:3080',
      ca: l.caPath,
      cert: l.certPath,
      key: l.keyPath,
      curl: curlCommand(l, 'https://dashboard.localhost:3080', false),
    });
    expect(formatAppConfig(l, 'proxy.test:3080', 'yaml', false)).toMatch(/^name: dashboard\nuri: https:\/\/dashboard.localhost:3080\n/);
    expect(formatAppConfig(l, 'proxy.test:3080', '', false).split('\n').map((x) => x.trimEnd())).toEqual([
      'Name:      dashboard',
      'URI:       https://dashboard.localhost:3080',
      `CA:        ${l.caPath}`,
      `Cert:      ${l.certPath}`,
      `Key:       ${l.keyPath}`,
      '',
    ]);
    expect(() => formatAppConfig(l, 'proxy.test:3080', 'xml', false)).toThrow(/invalid format, expected one of .*"curl".*got "xml"/);
  });

  it('picks the login a command means', () => {
    expect(() => pickAppLogin([], undefined)).toThrow("please login using 'tsh apps login' first");
    expect(pickAppLogin([login('a')], undefined).route.name).toBe('a');
    expect(() => pickAppLogin([login('a'), login('b')], undefined)).toThrow('multiple apps are available (a, b), please specify one via CLI argument');
    expect(pickAppLogin([login('a'), login('b')], 'b').route.name).toBe('b');
    expect(() => pickAppLogin([login('a')], 'c')).toThrow('not logged into app "c"');
  });

  it('reads --port', () => {
    expect(parseLocalPort(undefined)).toBe(0);
    expect(parseLocalPort('8080')).toBe(8080);
    expect(() => parseLocalPort('80a')).toThrow('--port must be a port number from 1 to 65535, got "80a"');
    expect(() => parseLocalPort('70000')).toThrow(/got "70000"/);
  });
});
