// The app launcher's web routes over an in-memory user API: an app_server heartbeat in Teleport's
// ui.App shape, resolving by name, public address or FQDN (port and case ignored), refusals, and the
// session's values handed back as Teleport's cookie fields.
import { describe, expect, it } from 'vitest';
import type { AppSessionWire, CreateAppSessionRequest } from '../../api/app-wire.js';
import type { AgentServer } from '../../api/types/index.js';
import { createAppSession, getAppDetails, listWebApps, parseCreateAppSession, resolveApp, webApp } from './apps.js';
import type { WebUserAPI } from './ui-auth.js';

const heartbeat = (name: string, host: string, extra: Record<string, unknown> = {}): AgentServer =>
  ({
    kind: 'app_server',
    version: 'v3',
    metadata: { name },
    spec: { host_id: host, hostname: host, version: '1', app: { kind: 'app', version: 'v3', metadata: { name, labels: { env: 'dev', a: '1' }, ...extra }, spec: { uri: 'https://127.0.0.1:8443', public_addr: `${name}.localhost` } } },
  }) as unknown as AgentServer;

function fakeAPI(servers: AgentServer[]) {
  const created: CreateAppSessionRequest[] = [];
  const api = {
    caller: { username: 'alice' },
    listAppServers: async () => servers,
    createAppSession: async (req: CreateAppSessionRequest): Promise<AppSessionWire> => {
      created.push(req);
      return { session_id: 'sid-1', subject_token: 'subject-1', user: 'alice', app_name: req.app_name!, public_addr: req.public_addr!, cluster_name: 'example.test', roles: [], traits: {}, expires: '', created: '' };
    },
  } as unknown as Pick<WebUserAPI, 'listAppServers' | 'createAppSession' | 'caller'>;
  return { api, created };
}

describe('apps in the web UI', () => {
  it("shows a heartbeat's app as Teleport's ui.App, once per name", async () => {
    expect(webApp(heartbeat('dashboard', 'h1', { description: 'Kube dashboard' }), 'example.test')).toEqual({
      kind: 'app',
      name: 'dashboard',
      description: 'Kube dashboard',
      uri: 'https://127.0.0.1:8443',
      publicAddr: 'dashboard.localhost',
      fqdn: 'dashboard.localhost',
      clusterId: 'example.test',
      labels: [
        { name: 'a', value: '1' },
        { name: 'env', value: 'dev' },
      ],
      awsConsole: false,
    });
    const { api } = fakeAPI([heartbeat('b', 'h1'), heartbeat('a', 'h1'), heartbeat('b', 'h2')]);
    expect((await listWebApps(api, 'example.test')).map((a) => a.name).sort()).toEqual(['a', 'b']);
  });

  it('resolves by name, public address or FQDN, ignoring port and case', async () => {
    const { api } = fakeAPI([heartbeat('dashboard', 'h1'), heartbeat('grafana', 'h1')]);
    expect((await resolveApp(api, 'example.test', { app_name: 'grafana' })).name).toBe('grafana');
    expect((await resolveApp(api, 'example.test', { public_addr: 'Dashboard.localhost', cluster_name: 'example.test' })).name).toBe('dashboard');
    expect((await resolveApp(api, 'example.test', { fqdn: 'grafana.localhost:3080' })).name).toBe('grafana');
    expect(await getAppDetails(api, 'example.test', { fqdn: 'dashboard.localhost', cluster: 'example.test', publicAddr: 'dashboard.localhost' })).toEqual({ fqdn: 'dashboard.localhost', requiredAppFQDNs: ['dashboard.localhost'] });
  });

  it('refuses what names no app the user reaches', async () => {
    const { api } = fakeAPI([heartbeat('dashboard', 'h1')]);
    await expect(resolveApp(api, 'example.test', { fqdn: 'evil.example.com' })).rejects.toMatchObject({ code: 'not_found', message: 'failed to match applications with FQDN "evil.example.com"' });
    await expect(resolveApp(api, 'example.test', { public_addr: 'dashboard.localhost', cluster_name: 'leaf' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/cluster "leaf" is not this cluster/) });
    await expect(resolveApp(api, 'example.test', {})).rejects.toMatchObject({ code: 'bad_parameter' });
    expect(() => parseCreateAppSession([])).toThrow('the body must be a JSON object');
    expect(() => parseCreateAppSession({ fqdn: 7 })).toThrow('fqdn must be a host name or address of at most 253 characters');
    expect(() => parseCreateAppSession({ fqdn: 'x'.repeat(300) })).toThrow(/fqdn must be/);
    expect(parseCreateAppSession({ fqdn: 'a.localhost', cluster_name: '', extra: 1 })).toEqual({ fqdn: 'a.localhost' });
  });

  it('creates the session at auth for the resolved app and returns the cookie values', async () => {
    const { api, created } = fakeAPI([heartbeat('dashboard', 'h1')]);
    expect(await createAppSession(api, 'example.test', { fqdn: 'dashboard.localhost', cluster_name: 'example.test', public_addr: 'dashboard.localhost' })).toEqual({
      cookie_value: 'sid-1',
      subject_cookie_value: 'subject-1',
      fqdn: 'dashboard.localhost',
    });
    expect(created).toEqual([{ username: 'alice', app_name: 'dashboard', public_addr: 'dashboard.localhost', cluster_name: 'example.test' }]);
    await expect(createAppSession(api, 'example.test', { fqdn: 'other.localhost' })).rejects.toMatchObject({ code: 'not_found' });
    expect(created).toHaveLength(1);
  });
});
