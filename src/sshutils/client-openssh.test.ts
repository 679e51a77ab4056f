// Our client against the machine's OpenSSH server (`sshd -i` over stdio): exec with exit codes
// and signals, direct-tcpip, remote forwarding, SFTP and agent forwarding, the features tsh
// builds on, checked against the reference implementation.
import { spawn } from 'node:child_process';
import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, verifyCertificate } from '../sshca/index.js';
import { connectSSH, type SSHClient } from './client.js';
import { openSSHServer, sshdUnavailable } from './testing/openssh-sshd.js';

const skip = sshdUnavailable();

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(path);
    s.on('connect', () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function collect(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of s) out += String(c);
  return out;
}

describe.skipIf(skip !== undefined)('our client with OpenSSH sshd', () => {
  let sshd: Awaited<ReturnType<typeof openSSHServer>>;
  const clients: SSHClient[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    sshd = await openSSHServer();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    servers.forEach((s) => s.close());
    await sshd?.cleanup();
  });

  async function login(opts: { agent?: string } = {}): Promise<SSHClient> {
    const user = generateKeyPair('ed25519');
    const cert = sshd.userCA.sign(user.publicKey, 'user', [sshd.login], {
      extensions: { 'permit-pty': '', 'permit-port-forwarding': '', 'permit-agent-forwarding': '' },
    });
    const c = await connectSSH({
      sock: sshd.connect(),
      username: sshd.login,
      privateKey: user.privateKey,
      cert: cert.blob,
      verifyHostKey: (k) => {
        if (!k.cert) return false;
        verifyCertificate(k.cert, { trustedCAs: [sshd.hostCA.blob], now: Date.now(), type: 'host', principal: 'node.test' });
        return true;
      },
      ...(opts.agent && { agent: opts.agent, agentForward: true }),
    });
    clients.push(c);
    return c;
  }

  async function echoServer(): Promise<number> {
    const s = createServer((sock) => sock.pipe(sock));
    servers.push(s);
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    return (s.address() as AddressInfo).port;
  }

  it('runs commands with their exit code, stdin and stderr', async () => {
    const c = await login();
    const p = await c.exec('cat; echo oops >&2; exit 7');
    p.stdin.end('hello\n');
    const [out, err, status] = await Promise.all([collect(p.stdout), collect(p.stderr), p.exit]);
    expect(out).toBe('hello\n');
    expect(err).toBe('oops\n');
    expect(status).toEqual({ code: 7 });
  });

  it('reports a command killed by a signal', async () => {
    const c = await login();
    const p = await c.exec('kill -TERM $$');
    p.stdin.end();
    p.stdout.resume();
    p.stderr.resume();
    expect(await p.exit).toMatchObject({ signal: 'TERM' });
  });

  it('opens direct-tcpip channels (what -L uses)', async () => {
    const port = await echoServer();
    const c = await login();
    const ch = await c.forwardOut('127.0.0.1', port);
    ch.end('ping');
    expect(await collect(ch)).toBe('ping');
  });

  it('asks the server to listen and receives its connections (what -R uses)', async () => {
    const c = await login();
    const got: string[] = [];
    const l = await c.forwardIn('127.0.0.1', 0, (stream, info) => {
      got.push(`${info.bindHost}:${info.bindPort}`);
      stream.end('from the client side');
    });
    expect(l.port).toBeGreaterThan(0);
    const sock = netConnect(l.port, '127.0.0.1');
    expect(await collect(sock)).toBe('from the client side');
    expect(got).toEqual([`127.0.0.1:${l.port}`]);
    await l.close();
    await l.close();
  });

  it('refuses a remote forward the server cannot bind', async () => {
    const c = await login();
    const first = await c.forwardIn('127.0.0.1', 0, () => {});
    await expect(c.forwardIn('127.0.0.1', first.port, () => {})).rejects.toMatchObject({ code: 'access_denied' });
    await first.close();
  });

  it('speaks SFTP: mkdir, write, stat, list, times, modes, read', async () => {
    const c = await login();
    const sftp = await c.sftp();
    const dir = join(sshd.dir, 'sftp');
    await sftp.mkdir(dir, 0o750);
    const w = sftp.createWriteStream(join(dir, 'a.txt'), { mode: 0o640 });
    w.stream.end('sftp bytes');
    await w.finished;
    await sftp.setTimes(join(dir, 'a.txt'), 1_000_000, 2_000_000);
    await sftp.chmod(join(dir, 'a.txt'), 0o604);
    expect(await sftp.stat(join(dir, 'a.txt'))).toMatchObject({ type: 'file', size: 10, mtime: 2_000_000, mode: 0o604 });
    expect(await sftp.stat(dir)).toMatchObject({ type: 'directory' });
    expect((await sftp.readdir(dir)).map((e) => e.name)).toEqual(['a.txt']);
    expect(await collect(sftp.createReadStream(join(dir, 'a.txt')))).toBe('sftp bytes');
    expect(await sftp.realpath('.')).toMatch(/^\//);
    await expect(sftp.stat(join(dir, 'missing'))).rejects.toMatchObject({ code: 'not_found' });
    const r = sftp.createReadStream(join(dir, 'missing'));
    await expect(collect(r)).rejects.toMatchObject({ code: 'not_found' });
    sftp.close();
    sftp.close();
  });

  it('forwards a local ssh-agent (what -A uses)', async () => {
    const sock = join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !(await canConnect(sock)); i++) await new Promise((r) => setTimeout(r, 50));
      const c = await login({ agent: sock });
      const p = await c.exec('ssh-add -l; echo "rc=$?"');
      p.stdin.end();
      const out = await collect(p.stdout);
      // 1: reachable agent without keys; 2 would mean no agent at all.
      expect(out).toMatch(/rc=1/);
    } finally {
      agent.kill();
    }
  });

  it('resolves `closed` when the server goes away', async () => {
    const c = await login();
    const p = await c.exec('exit 0');
    p.stdin.end();
    p.stdout.resume();
    p.stderr.resume();
    await p.exit;
    c.close();
    await c.closed;
  });
});

describe.skipIf(skip !== undefined)('agent forwarding refused by OpenSSH sshd', () => {
  it('runs the session without the agent, and says so', async () => {
    const sshd = await openSSHServer(['node.test'], ['AllowAgentForwarding no']);
    const sock = join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !(await canConnect(sock)); i++) await new Promise((r) => setTimeout(r, 50));
      const user = generateKeyPair('ed25519');
      const c = await connectSSH({
        sock: sshd.connect(),
        username: sshd.login,
        privateKey: user.privateKey,
        cert: sshd.userCA.sign(user.publicKey, 'user', [sshd.login]).blob,
        verifyHostKey: () => true,
        agent: sock,
        agentForward: true,
      });
      const p = await c.exec('echo "sock=${SSH_AUTH_SOCK:-none}"');
      p.stdin.end();
      const [out] = await Promise.all([collect(p.stdout), collect(p.stderr)]);
      expect(out).toBe('sock=none\n');
      expect(p.agentForwardRefused).toBe(true);
      expect(await p.exit).toEqual({ code: 0 });
      c.close();
    } finally {
      agent.kill();
      await sshd.cleanup();
    }
  });
});
