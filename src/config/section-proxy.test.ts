// proxy_service listener keys: which listeners a config asks for, as Teleport reads them.
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.js';

const proxy = (version: string, body: string) => parseConfig(`${version ? `version: ${version}\n` : ''}proxy_service:\n  enabled: yes\n${body}`).proxy;

describe('proxy_service listener keys', () => {
  it('v1 keeps the tunnel port 3024 by default; from v2 an unwritten tunnel_listen_addr means the web port', () => {
    expect(proxy('', '').tunnelListenAddr).toEqual({ host: '0.0.0.0', port: 3024 });
    expect(proxy('v1', '').tunnelListenAddr).toEqual({ host: '0.0.0.0', port: 3024 });
    expect(proxy('v2', '').tunnelListenAddr).toBeUndefined();
    expect(proxy('v3', '').tunnelListenAddr).toBeUndefined();
    expect(proxy('v3', '  tunnel_listen_addr: 0.0.0.0:4024\n').tunnelListenAddr).toEqual({ host: '0.0.0.0', port: 4024 });
  });

  it('a tunnel_listen_addr equal to web_listen_addr means tunnels through the web port', () => {
    expect(proxy('v1', '  web_listen_addr: 0.0.0.0:443\n  tunnel_listen_addr: 0.0.0.0:443\n').tunnelListenAddr).toBeUndefined();
  });

  it('protocol listeners are bound only when written; the legacy kubernetes section is the Kubernetes listener', () => {
    const none = proxy('v3', '');
    expect([none.postgresListenAddr, none.mysqlListenAddr, none.kubeListenAddr]).toEqual([undefined, undefined, undefined]);
    const all = proxy('v3', '  postgres_listen_addr: 0.0.0.0:5432\n  mysql_listen_addr: 0.0.0.0:3036\n  kube_listen_addr: 0.0.0.0:3026\n');
    expect([all.postgresListenAddr, all.mysqlListenAddr, all.kubeListenAddr]).toEqual([
      { host: '0.0.0.0', port: 5432 },
      { host: '0.0.0.0', port: 3036 },
      { host: '0.0.0.0', port: 3026 },
    ]);
    expect(proxy('v1', '  kubernetes:\n    enabled: yes\n').kubeListenAddr).toEqual({ host: '0.0.0.0', port: 3026 });
    expect(proxy('v1', '  kubernetes:\n    enabled: yes\n    listen_addr: 127.0.0.1:4026\n').kubeListenAddr).toEqual({ host: '127.0.0.1', port: 4026 });
    expect(proxy('v1', '  kubernetes:\n    enabled: no\n    listen_addr: 127.0.0.1:4026\n').kubeListenAddr).toBeUndefined();
  });

  it('mongo_listen_addr is refused with a message naming the key and line', () => {
    expect(() => proxy('v3', '  mongo_listen_addr: 0.0.0.0:27017\n')).toThrow(/teleport\.yaml:4: proxy_service\.mongo_listen_addr: MongoDB access is not available in this release/);
  });

  it('proxy_protocol takes on or off', () => {
    expect(proxy('v3', '  proxy_protocol: on\n').proxyProtocol).toBe('on');
    expect(() => proxy('v3', '  proxy_protocol: maybe\n')).toThrow(/proxy_protocol: unsupported value "maybe"/);
  });
});
