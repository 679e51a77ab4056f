// Ping's proxy.kube: Kubernetes served, kube_public_addr (or the legacy kubernetes.public_addr) and the bound kube listener.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { proxyKubeSettings } from './proxy-service.js';

const config = (extra: string) =>
  parseConfig(['version: v3', 'teleport:', '  nodename: p1', 'proxy_service:', '  enabled: yes', ...extra.split('\n').map((l) => `  ${l}`), ''].join('\n'));

describe('proxy.kube in ping', () => {
  it('advertises kube_public_addr and the bound kube_listen_addr', () => {
    const c = config('kube_listen_addr: 0.0.0.0:3026\nkube_public_addr: kube.example.com:3026');
    expect(proxyKubeSettings(c, { proxyKube: { host: '0.0.0.0', port: 3026 } })).toEqual({ enabled: true, public_addr: 'kube.example.com:3026', listen_addr: '0.0.0.0:3026' });
  });

  it('takes the legacy kubernetes section\'s public_addr', () => {
    const c = config('kubernetes:\n  enabled: yes\n  listen_addr: 0.0.0.0:3026\n  public_addr: [proxy.example.com:3026]');
    expect(proxyKubeSettings(c, { proxyKube: { host: '0.0.0.0', port: 3026 } })).toEqual({ enabled: true, public_addr: 'proxy.example.com:3026', listen_addr: '0.0.0.0:3026' });
  });

  it('is enabled without a kube listener: the web port serves Kubernetes by SNI', () => {
    expect(proxyKubeSettings(config('web_listen_addr: 0.0.0.0:3080'), {})).toEqual({ enabled: true });
  });
});
