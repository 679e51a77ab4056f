import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { parseConfig } from './parse.js';
import { sampleConfig } from './sample.js';

describe('sampleConfig', () => {
  it('writes a commented v3 config that parses back to what was asked', () => {
    const text = sampleConfig({
      clusterName: 'teleport.example.com',
      publicAddr: 'teleport.example.com',
      dataDir: '/srv/teleport',
      nodename: 'node "quoted"',
    });
    expect(text).toMatch(/^# /);
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(8);
    const cfg = parseConfig(text, { hostname: 'ignored' });
    expect(cfg.version).toBe('v3');
    expect(cfg.services).toMatchObject({ auth: true, ssh: true, proxy: true });
    expect(cfg.teleport.nodename).toBe('node "quoted"');
    expect(cfg.teleport.dataDir).toBe('/srv/teleport');
    expect(cfg.teleport.caPins).toEqual([]);
    expect(cfg.teleport.diagAddr).toBeUndefined();
    expect(cfg.auth.clusterName).toBe('teleport.example.com');
    expect(cfg.auth.proxyListenerMode).toBe('multiplex');
    expect(cfg.proxy.publicAddrs).toEqual([{ host: 'teleport.example.com', port: 443 }]);
    expect(cfg.proxy.webListenAddr).toEqual({ host: '0.0.0.0', port: 443 });
    expect(cfg.ssh.commands).toEqual([{ name: 'hostname', command: ['hostname'], period: 60_000 }]);
  });

  it('defaults: web on 3080, no cluster name, data under /var/lib/teleport', () => {
    const cfg = parseConfig(sampleConfig({ nodename: 'n' }));
    expect(cfg.proxy.webListenAddr).toEqual({ host: '0.0.0.0', port: 3080 });
    expect(cfg.auth.clusterName).toBeUndefined();
    expect(cfg.teleport.dataDir).toBe('/var/lib/teleport');
    expect(cfg.proxy.publicAddrs).toEqual([]);
  });

  it('keeps a public address port for the web listener', () => {
    const cfg = parseConfig(sampleConfig({ publicAddr: 'proxy.example.com:3080', nodename: 'n' }));
    expect(cfg.proxy.webListenAddr.port).toBe(3080);
  });

  it('refuses a malformed public address', () => {
    expect(() => sampleConfig({ publicAddr: 'a b' })).toThrow(BadParameterError);
  });
});
