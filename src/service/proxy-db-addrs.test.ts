// Ping's proxy.db: where tsh points MySQL clients (mysql_public_addr first, else the bound listener).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { proxyDBAddrs } from './proxy-service.js';

const config = (extra: string) =>
  parseConfig(['version: v3', 'teleport:', '  nodename: p1', 'proxy_service:', '  enabled: yes', ...extra.split('\n').map((l) => `  ${l}`), ''].join('\n'));

describe('proxy.db in ping', () => {
  it('advertises mysql_public_addr when it is set', () => {
    const c = config('mysql_listen_addr: 0.0.0.0:3036\nmysql_public_addr: db.example.com:13306');
    expect(proxyDBAddrs(c, { proxyMySQL: { host: '0.0.0.0', port: 40001 } }, 'proxy.example.com:443')).toEqual({ mysql_listen_addr: 'db.example.com:13306' });
  });

  it('else the bound listener, with the web host when it listens on every address', () => {
    const c = config('mysql_listen_addr: 0.0.0.0:3036');
    expect(proxyDBAddrs(c, { proxyMySQL: { host: '0.0.0.0', port: 40001 } }, 'proxy.example.com:443')).toEqual({ mysql_listen_addr: 'proxy.example.com:40001' });
    expect(proxyDBAddrs(c, { proxyMySQL: { host: '127.0.0.1', port: 40001 } }, 'proxy.example.com:443')).toEqual({ mysql_listen_addr: '127.0.0.1:40001' });
  });

  it('says nothing without a MySQL listener', () => {
    expect(proxyDBAddrs(config('web_listen_addr: 0.0.0.0:3080'), {}, 'proxy.example.com:443')).toEqual({});
  });
});
