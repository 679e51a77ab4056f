import { afterEach, describe, expect, it } from 'vitest';
import { APP_SESSION_PREFIX, type AppSessionWire } from '../api/app-wire.js';
import { MemoryBackend } from '../backend/index.js';
import { silentLogger } from '../log/index.js';
import { createServices } from '../services/index.js';
import { appWatch, backendWatchEvents } from './app-proxy-access.js';

const session = (id: string): AppSessionWire => ({
  session_id: id,
  subject_token: 's'.repeat(64),
  user: 'alice',
  app_name: 'dashboard',
  public_addr: 'dashboard.localhost',
  cluster_name: 'c',
  roles: ['access'],
  traits: {},
  expires: new Date(Date.now() + 3_600_000).toISOString(),
  created: new Date().toISOString(),
});

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

describe('the proxy watch of apps and app sessions', () => {
  const stops: (() => void)[] = [];
  afterEach(() => stops.splice(0).forEach((s) => s()));

  it('holds the sessions present at start, adds new ones and drops ended ones as they change', async () => {
    const backend = new MemoryBackend();
    const services = createServices(backend);
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    await backend.put({ key: `${APP_SESSION_PREFIX}${a}`, value: JSON.stringify(session(a)) });
    const w = appWatch({
      watch: (kinds, o) => backendWatchEvents(services, kinds, o.signal),
      servers: () => services.agentServers('app_server').list(),
      sessions: async () => [session(a)],
      logger: silentLogger,
    });
    stops.push(() => w.close());
    await until(() => w.live());
    expect(w.session(a)?.user).toBe('alice');
    expect(w.session(b)).toBeUndefined();
    await backend.put({ key: `${APP_SESSION_PREFIX}${b}`, value: JSON.stringify(session(b)) });
    await until(() => w.session(b) !== undefined);
    await backend.delete(`${APP_SESSION_PREFIX}${a}`);
    await until(() => w.session(a) === undefined);
    await services.agentServers('app_server').upsert({ kind: 'app_server', version: 'v3', metadata: { name: 'dashboard' }, spec: { host_id: 'h-1', hostname: 'h' } });
    await until(() => w.appServers().some((s) => s.metadata.name === 'dashboard'));
    w.close();
    expect(w.live()).toBe(false);
  });
});
