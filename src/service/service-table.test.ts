// The service table: which services a config starts, in dependency order whatever the table's
// order, and an enabled section without a factory refused with its teleport.yaml name.
import { describe, expect, it } from 'vitest';
import { NotImplementedError } from '../api/errors.js';
import { parseConfig } from '../config/index.js';
import type { ServiceFactory } from './service.js';
import { SERVICE_TABLE, plan } from './service-table.js';

const config = (yaml: string) => parseConfig(`version: v3\nteleport: {data_dir: /tmp/x, auth_token: t, auth_server: 127.0.0.1:3025}\n${yaml}`, { hostname: 'h' });

describe('plan', () => {
  it('starts auth, then proxy, then ssh when all three are enabled', () => {
    const c = config('auth_service: {enabled: yes}\nproxy_service: {enabled: yes}\nssh_service: {enabled: yes}\n');
    expect(plan(c).map((f) => f.name)).toEqual(['auth', 'proxy', 'ssh']);
  });

  it('starts only what is enabled', () => {
    const c = config('auth_service: {enabled: no}\nproxy_service: {enabled: no}\nssh_service: {enabled: yes}\n');
    expect(plan(c).map((f) => f.name)).toEqual(['ssh']);
  });

  it('orders by `after`, not by the table', () => {
    const c = config('auth_service: {enabled: yes}\nproxy_service: {enabled: yes}\nssh_service: {enabled: yes}\n');
    const reversed = [...SERVICE_TABLE].reverse();
    expect(plan(c, reversed).map((f) => f.name)).toEqual(['auth', 'proxy', 'ssh']);
  });

  it('a service added to the table is started without editing the process', () => {
    const c = config('auth_service: {enabled: yes}\nproxy_service: {enabled: no}\nssh_service: {enabled: no}\nwindows_desktop_service: {enabled: yes}\n');
    expect(() => plan(c)).toThrow(NotImplementedError);
    expect(() => plan(c)).toThrow(/windows_desktop_service: not available in this release yet/);
    const desktop: ServiceFactory = { name: 'windowsDesktop', section: 'windows_desktop_service', after: ['auth'], create: () => ({ name: 'windowsDesktop', start: async () => ({}), close: async () => {} }) };
    expect(plan(c, [desktop, ...SERVICE_TABLE]).map((f) => f.name)).toEqual(['auth', 'windowsDesktop']);
  });
});
