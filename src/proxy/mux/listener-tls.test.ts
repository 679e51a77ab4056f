// Every TLS port of the proxy's listener front (web, Kubernetes, and the in-band upgrades of
// PostgreSQL and MySQL) speaks only Teleport's suites, also when its caller passes no TLS options:
// a client offering only CBC suites, or at most TLS 1.1, is refused (issue 17 item 5).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALPN } from '../../api/alpn.js';
import { silentLogger } from '../../log/index.js';
import { ProxyListener } from './listener.js';
import { ProtocolRegistry } from './registry.js';

let dir: string;
let pair: { certPem: string; keyPem: string };
const listeners: ProxyListener[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-mux-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  pair = { certPem: readFileSync(join(dir, 'c.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'k.pem'), 'utf8') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const l of listeners.splice(0)) await l.close();
});

function handshake(port: number, ciphers: string, maxVersion: 'TLSv1.2' | 'TLSv1.1' = 'TLSv1.2'): Promise<string> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ciphers, maxVersion, minVersion: maxVersion === 'TLSv1.1' ? 'TLSv1.1' : 'TLSv1.2', ALPNProtocols: [ALPN.http1] }, () => {
      resolve(s.getCipher().standardName);
      s.destroy();
    });
    s.on('error', (err) => resolve(`refused: ${err.message}`));
  });
}

describe('proxy listener TLS settings', () => {
  for (const route of ['kube', 'detect'] as const) {
    it(`a ${route} listener without TLS options refuses CBC suites and TLS 1.1`, async () => {
      const registry = new ProtocolRegistry();
      registry.register('web', (stream) => void setTimeout(() => stream.destroy(), 100));
      const l = new ProxyListener({ name: `${route}_listen_addr`, host: '127.0.0.1', port: 0, route, tls: pair, registry, logger: silentLogger });
      listeners.push(l);
      const { port } = await l.start();
      expect(await handshake(port, 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256')).toMatch(/^refused: /);
      expect(await handshake(port, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLSv1.1')).toMatch(/^refused: /);
      expect(await handshake(port, 'ECDHE-ECDSA-AES128-GCM-SHA256')).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
      expect(await handshake(port, 'ECDHE-ECDSA-CHACHA20-POLY1305')).toBe('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
    });
  }
});
