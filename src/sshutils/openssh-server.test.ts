// Our server against the machine's OpenSSH client (9.x): host certificates, user certificates,
// exit status, pty modes, RSA SHA-2 algorithms and agent forwarding. Each case needs a patch of
// patches/ssh2+*.patch (named in the test title) and fails without it.
import { spawn, spawnSync } from 'node:child_process';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../sshca/index.js';
import type { KeyAlgorithm } from '../sshca/index.js';
import type { SSHServer } from './server.js';
import type { AuthContext } from './server-options.js';
import { certAuthenticator, makeCA, runSSH, sshArgs, sshFiles, testServer } from './testing/fixtures.js';

describe('our server with the OpenSSH client', () => {
  const hostCA = makeCA();
  const userCA = makeCA();
  let files: Awaited<ReturnType<typeof sshFiles>>;
  let knownHosts: string;
  const servers: SSHServer[] = [];

  beforeAll(async () => {
    files = await sshFiles();
    knownHosts = await files.knownHostsCA(hostCA.blob);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await files.cleanup();
  });

  async function serverWithHostCert(alg: KeyAlgorithm = 'ed25519', seen: AuthContext[] = []): Promise<SSHServer> {
    const host = generateKeyPair(alg);
    const cert = hostCA.sign(host.publicKey, 'host', ['127.0.0.1', 'node1']);
    const s = await testServer({ hostKey: host.privateKey, hostCert: cert.blob, authenticate: certAuthenticator(userCA.blob, seen) });
    servers.push(s);
    return s;
  }

  async function userIdentity(name: string, alg: KeyAlgorithm = 'ed25519', principals = ['alice']): Promise<string> {
    const user = generateKeyPair(alg);
    return files.identity(name, user.privateKey, userCA.sign(user.publicKey, 'user', principals));
  }

  it.each(['ed25519', 'ecdsa-p256', 'rsa2048'] as const)(
    'presents a %s host certificate that ssh trusts through @cert-authority (patch: host cert KEX)',
    async (alg) => {
      const server = await serverWithHostCert(alg);
      const id = await userIdentity(`id-${alg}`);
      const r = await runSSH([...sshArgs(server, knownHosts, id), 'echo hi']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('hi\n');
    },
  );

  it('propagates exit status and stderr', async () => {
    const server = await serverWithHostCert();
    const id = await userIdentity('id-exit');
    const r = await runSSH([...sshArgs(server, knownHosts, id), 'echo oops >&2; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('oops');
  });

  it('keeps stdin that ssh sends before exec is accepted (patch: early channel data)', async () => {
    const server = await serverWithHostCert();
    const id = await userIdentity('id-stdin');
    // ssh sends stdin right behind the exec request; without the fix some of it is dropped.
    for (let i = 0; i < 10; i++) {
      const child = spawn('ssh', ['-F', 'none', '-o', 'BatchMode=yes', ...sshArgs(server, knownHosts, id), 'wc -c'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stdin.end('hello world');
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      expect(out.trim()).toBe('11');
    }
  });

  it('hands authenticate the certificate, and the node refuses a principal not in it', async () => {
    const seen: AuthContext[] = [];
    const server = await serverWithHostCert('ed25519', seen);
    const id = await userIdentity('id-bob', 'ed25519', ['bob']);
    const r = await runSSH([...sshArgs(server, knownHosts, id, 'alice'), 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Permission denied');
    const ctx = seen.find((c) => c.cert)!;
    expect(ctx).toMatchObject({ username: 'alice', keyAlgo: 'ssh-ed25519-cert-v01@openssh.com', signatureOk: true, remoteAddress: '127.0.0.1' });
    expect(ctx.cert?.principals).toEqual(['bob']);
  });

  it('refuses a host whose certificate is signed by another CA', async () => {
    const host = generateKeyPair();
    const cert = makeCA().sign(host.publicKey, 'host', ['127.0.0.1']);
    const s = await testServer({ hostKey: host.privateKey, hostCert: cert.blob, authenticate: certAuthenticator(userCA.blob) });
    servers.push(s);
    const r = await runSSH([...sshArgs(s, knownHosts, await userIdentity('id-foreign-host')), 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  it('allocates a pty for ssh -tt with the terminal modes ssh sent (patch: pty-req modes)', async () => {
    const server = await serverWithHostCert();
    const id = await userIdentity('id-pty');
    // ssh sends the modes of its own terminal: give it one.
    const term = pty.spawn('ssh', ['-F', 'none', '-o', 'BatchMode=yes', '-tt', ...sshArgs(server, knownHosts, id), 'pty-info'], {
      name: 'xterm-256color',
      cols: 101,
      rows: 33,
      env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let out = '';
    term.onData((d) => (out += d));
    const code = await new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    expect(code).toBe(0);
    const info = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as {
      term: string;
      cols: number;
      rows: number;
      modes: Record<string, number>;
    };
    expect(info).toMatchObject({ term: 'xterm-256color', cols: 101, rows: 33 });
    expect(info.modes.VINTR).toBe(3);
    expect(info.modes.ICANON).toBe(1);
    expect(info.modes.TTY_OP_ISPEED).toBeGreaterThan(0);
    expect(Object.keys(info.modes).every((k) => /^[A-Z_0-9]+$/.test(k))).toBe(true);
  });

  it('accepts RSA user certificates with rsa-sha2-512 and -256 (patches: server-sig-algs comma, RSA cert algorithms)', async () => {
    const seen: AuthContext[] = [];
    const server = await serverWithHostCert('ed25519', seen);
    const id = await userIdentity('id-rsa', 'rsa2048');
    for (const sig of ['rsa-sha2-512', 'rsa-sha2-256']) {
      const alg = `${sig}-cert-v01@openssh.com`;
      // The plain algorithm too: ssh loads the private key behind the certificate through it.
      const r = await runSSH(['-o', `PubkeyAcceptedAlgorithms=${alg},${sig}`, ...sshArgs(server, knownHosts, id), 'echo rsa']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('rsa\n');
      expect(seen.at(-1)).toMatchObject({ keyAlgo: alg, signatureOk: true });
    }
  });

  it('opens auth-agent channels to the client agent for ssh -A (patch: server agent channel)', async () => {
    const server = await serverWithHostCert();
    const id = await userIdentity('id-agent');
    const agentSock = files.path('agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    try {
      await waitFor(() => spawnSync('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } }).status === 1);
      expect(spawnSync('ssh-add', [id], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } }).status).toBe(0);
      const r = await runSSH(['-A', '-o', `IdentityAgent=${agentSock}`, ...sshArgs(server, knownHosts, id).filter((a, i, all) => a !== 'IdentityAgent=none' && all[i + 1] !== 'IdentityAgent=none'), 'agent-ids']);
      expect(r.stderr).toBe('');
      // The key and its certificate.
      expect(r.stdout.trim()).toBe('2');
    } finally {
      agent.kill();
    }
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met');
}
