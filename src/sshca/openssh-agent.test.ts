import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { access, chmod, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCertificate, signCertificate } from './cert.js';
import { formatAuthorizedKey, generateKeyPair, type KeyAlgorithm } from './keys.js';
import { encodeOpenSSHPrivateKey } from './private-key.js';
import { tempDir } from './testing/keygen.js';

const run = promisify(execFile);

// ssh-add loads keys and certificates with the same code as ssh, and refuses a certificate that
// does not belong to the private key: the closest check to "ssh accepts it" without an sshd.
let tmp: Awaited<ReturnType<typeof tempDir>>;
let agent: ChildProcess;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  tmp = await tempDir();
  const sock = tmp.path('agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  env = { ...process.env, SSH_AUTH_SOCK: sock };
  for (let i = 0; i < 100; i++) {
    if (await access(sock).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('ssh-agent did not start');
});
afterAll(async () => {
  agent?.kill();
  await tmp.cleanup();
});

const now = Date.now();
const ca = generateKeyPair('ed25519').privateKey;

async function writeIdentity(name: string, alg: KeyAlgorithm, certifyOther = false): Promise<{ file: string; certLine: string }> {
  const user = generateKeyPair(alg);
  const cert = signCertificate({
    type: 'user',
    publicKey: certifyOther ? generateKeyPair(alg).publicKey : user.publicKey,
    keyId: `${name}@example.com`,
    principals: [name],
    validAfter: new Date(now - 60_000),
    validBefore: new Date(now + 3_600_000),
    extensions: { 'permit-pty': '' },
    caPrivateKey: ca,
  });
  const file = tmp.path(name);
  await writeFile(file, encodeOpenSSHPrivateKey(user.privateKey, name));
  await chmod(file, 0o600);
  await writeFile(`${file}.pub`, `${formatAuthorizedKey(user.publicKey, name)}\n`);
  await writeFile(`${file}-cert.pub`, `${formatCertificate(cert, name)}\n`);
  return { file, certLine: formatCertificate(cert) };
}

describe('ssh-add loads our private keys with our certificates', () => {
  it.each<[string, KeyAlgorithm]>([
    ['ed', 'ed25519'],
    ['ec', 'ecdsa-p256'],
    ['rs', 'rsa2048'],
  ])('%s (%s)', async (name, alg) => {
    const { file, certLine } = await writeIdentity(name, alg);
    const added = await run('ssh-add', [file], { env });
    expect(added.stderr).toContain(`Identity added: ${file}`);
    expect(added.stderr).toContain(`Certificate added: ${file}-cert.pub (${name}@example.com)`);
    const listed = (await run('ssh-add', ['-L'], { env })).stdout;
    expect(listed).toContain(certLine);
  });

  it('skips a certificate issued for another key', async () => {
    const { file, certLine } = await writeIdentity('mismatch', 'ed25519', true);
    const added = await run('ssh-add', [file], { env });
    expect(added.stderr).toContain(`Identity added: ${file}`);
    expect(added.stderr).not.toContain('Certificate added');
    expect((await run('ssh-add', ['-L'], { env })).stdout).not.toContain(certLine);
  });
});
