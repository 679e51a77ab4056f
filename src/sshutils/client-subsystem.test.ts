// Subsystems from our client: a refusal carries the server's stderr text (patch: client subsys),
// an accepted one is a byte stream with its stderr.
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../sshca/index.js';
import { connectSSH, SubsystemRefusedError, type SSHClient } from './client.js';
import type { SSHServer } from './server.js';
import type { SSHSession } from './session.js';
import { certAuthenticator, makeCA, testServer } from './testing/fixtures.js';

const userCA = makeCA();
const servers: SSHServer[] = [];
const clients: SSHClient[] = [];
afterAll(async () => {
  clients.forEach((c) => c.close());
  await Promise.all(servers.map((s) => s.close()));
});

function onSession(session: SSHSession): void {
  void (async () => {
    for await (const req of session.requests) {
      if (req.type !== 'subsystem') continue;
      if (req.name === 'echo') {
        const ch = req.accept();
        ch.stderr.write('echo ready\n');
        ch.stream.pipe(ch.stream);
      } else if (req.name === 'silent-no') {
        req.reject();
      } else {
        req.reject(`no subsystem called ${req.name} here\n`);
      }
    }
  })();
}

async function client(): Promise<SSHClient> {
  const host = generateKeyPair('ed25519');
  const s = await testServer({ hostKey: host.privateKey, authenticate: certAuthenticator(userCA.blob), onSession });
  servers.push(s);
  const user = generateKeyPair('ed25519');
  const c = await connectSSH({
    host: '127.0.0.1',
    port: s.address.port,
    username: 'alice',
    privateKey: user.privateKey,
    cert: userCA.sign(user.publicKey, 'user', ['alice']).blob,
    verifyHostKey: () => true,
  });
  clients.push(c);
  return c;
}

describe('subsystems', () => {
  it('refused subsystem: the server says why on stderr, and we keep it', async () => {
    const c = await client();
    const err = await c.subsystem('proxy:nowhere:22').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubsystemRefusedError);
    expect((err as SubsystemRefusedError).serverMessage).toBe('no subsystem called proxy:nowhere:22 here');
    expect((err as Error).message).toBe('no subsystem called proxy:nowhere:22 here');
    const quiet = await c.subsystem('silent-no').catch((e: unknown) => e);
    expect((quiet as SubsystemRefusedError).serverMessage).toBe('');
    expect((quiet as Error).message).toMatch(/refused the subsystem "silent-no"/);
    // The connection is still good.
    const ch = await c.subsystem('echo');
    let said = '';
    ch.stderr.on('data', (d: Buffer) => (said += d.toString()));
    ch.end('ping');
    let got = '';
    for await (const d of ch) got += String(d);
    expect(got).toBe('ping');
    expect(said).toBe('echo ready\n');
  });
});
