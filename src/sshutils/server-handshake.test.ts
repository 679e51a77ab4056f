// The server's raw-socket guard: a client that never finishes the handshake (no version line, or
// a version line and then silence) is dropped after handshakeTimeoutMs, and close() does not wait
// for such clients.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../sshca/index.js';
import { certAuthenticator, makeCA, testServer } from './testing/fixtures.js';

function openRaw(port: number, first: string): { sock: Socket; closed: Promise<number> } {
  const started = Date.now();
  const sock = connect(port, '127.0.0.1', () => sock.write(first));
  sock.on('error', () => {});
  // Reading is what notices the server's FIN.
  sock.resume();
  return { sock, closed: new Promise((resolve) => sock.on('close', () => resolve(Date.now() - started))) };
}

describe('handshake time limit', () => {
  it('drops clients that stall before login', async () => {
    const s = await testServer({ hostKey: generateKeyPair().privateKey, authenticate: certAuthenticator(makeCA().blob), handshakeTimeoutMs: 300 });
    try {
      const silent = openRaw(s.address.port, '');
      const versionOnly = openRaw(s.address.port, 'SSH-2.0-stall\r\n');
      for (const ms of await Promise.all([silent.closed, versionOnly.closed])) {
        expect(ms).toBeGreaterThanOrEqual(250);
        expect(ms).toBeLessThan(5000);
      }
    } finally {
      await s.close();
    }
  });

  it('closes without waiting for clients still in the handshake', async () => {
    const s = await testServer({ hostKey: generateKeyPair().privateKey, authenticate: certAuthenticator(makeCA().blob) });
    const raw = openRaw(s.address.port, 'SSH-2.0-stall\r\n');
    await new Promise((r) => setTimeout(r, 100));
    await s.close();
    expect(await raw.closed).toBeLessThan(5000);
  });
});
