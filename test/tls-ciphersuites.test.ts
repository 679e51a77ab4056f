// teleport.ciphersuites acts: the TLS 1.2 suites an operator lists replace the defaults on the auth
// API and the proxy's web port (and its protocol listeners), and an unknown name stops the config.
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

/** A TLS 1.2 handshake offering only `ciphers`: the suite agreed, or `refused: ...`. */
function handshake(addr: string, ciphers: string): Promise<string> {
  const [host, port] = addr.split(':');
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port: Number(port), rejectUnauthorized: false, ciphers, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }, () => {
      resolve(s.getCipher().standardName);
      s.destroy();
    });
    s.on('error', (err) => resolve(`refused: ${err.message}`));
  });
}

const CBC = 'ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA';
const DEFAULT_GCM = 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256';

describe('teleport.ciphersuites', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startCluster({
      teleportExtra: [
        'ciphersuites:',
        '- tls-ecdhe-rsa-with-aes-128-cbc-sha',
        '- tls-ecdhe-ecdsa-with-aes-128-cbc-sha',
        '- TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384',
        '- tls-ecdhe-ecdsa-with-aes-256-gcm-sha384',
      ].join('\n'),
    });
  }, 120_000);
  afterAll(() => c?.close());

  it('offers the listed suites instead of the defaults on the web and auth ports', async () => {
    for (const addr of [c.webAddr, c.authAddr]) {
      expect(await handshake(addr, CBC)).toMatch(/^TLS_ECDHE_(RSA|ECDSA)_WITH_AES_128_CBC_SHA$/);
      expect(await handshake(addr, 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384')).toMatch(/^TLS_ECDHE_(RSA|ECDSA)_WITH_AES_256_GCM_SHA384$/);
      expect(await handshake(addr, DEFAULT_GCM)).toMatch(/^refused: /);
    }
  });

  it('refuses a suite it does not know, naming the key and the line', () => {
    const text = ['version: v3', 'teleport:', '  ciphersuites:', '  - tls-rsa-with-rc4-128-sha', ''].join('\n');
    expect(() => parseConfig(text, { path: 'teleport.yaml' })).toThrow(/teleport\.yaml:4.*ciphersuites\[0\].*unsupported value "tls-rsa-with-rc4-128-sha"/s);
  });
});
