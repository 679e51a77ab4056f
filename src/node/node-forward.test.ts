// Port and agent forwarding through the node with the OpenSSH client: -W and -L (direct-tcpip),
// -R (tcpip-forward and forwarded-tcpip channels), -A (a private agent socket for the session),
// each refused without the certificate permit, the role option or the node's port_forwarding.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRole } from '../api/types/index.js';
import { TEST_LOGIN, ensureTestUser, runSSH, startTestNode, waitFor, type TestNode } from './testing/fixtures.js';

const skip = ensureTestUser();
const ALL_PERMITS = ['permit-pty', 'permit-port-forwarding', 'permit-agent-forwarding'];

function extensions(permits: string[], roles = ['access']): Record<string, string> {
  return {
    ...Object.fromEntries(permits.map((p) => [p, ''])),
    'teleport-roles': JSON.stringify({ version: 'v1', roles }),
    'teleport-traits': JSON.stringify({ logins: [TEST_LOGIN] }),
  };
}

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Send `text` to 127.0.0.1:port and read the echo; rejects when the connection fails. */
function echoThrough(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) {
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
    s.on('close', () => (got.length < text.length ? reject(new Error(`closed after ${JSON.stringify(got)}`)) : undefined));
  });
}

/** Send `text`, shut down our sending side, and read everything until the peer closes. */
function halfCloseThrough(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end(text));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

describe.skipIf(skip !== undefined)('forwarding through the node', () => {
  let t: TestNode;
  let echo: Server;
  let echoPort: number;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    t = await startTestNode();
    t.access.addRole(newRole('no-forward', { options: { port_forwarding: false, forward_agent: false }, allow: { logins: [TEST_LOGIN], node_labels: { '*': '*' } } }));
    echo = createServer((sock) => sock.pipe(sock));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
  });
  afterAll(async () => {
    children.forEach((c) => c.kill());
    echo?.close();
    await t?.cleanup();
  });

  /** Start a long-running `ssh -N` with extra options; resolves once its forward is up. */
  async function sshN(identity: string, opts: string[], ready: (stderr: string) => boolean): Promise<{ child: ChildProcess; stderr: () => string }> {
    const child = spawn('ssh', ['-F', 'none', '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes', '-N', '-v', ...opts, ...t.args(identity)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor(() => ready(err) || child.exitCode !== null, 10_000);
    return { child, stderr: () => err };
  }

  it('forwards ssh -W through direct-tcpip', async () => {
    const r = await runSSH(['-W', `127.0.0.1:${echoPort}`, ...t.args(await t.identity())], { input: 'ping-W' });
    expect(r.stdout).toBe('ping-W');
  });

  it('forwards ssh -L', async () => {
    const lport = await freePort();
    const { child } = await sshN(await t.identity(), ['-L', `${lport}:127.0.0.1:${echoPort}`], (e) => e.includes('Entering interactive session'));
    expect(child.exitCode).toBeNull();
    expect(await echoThrough(lport, 'ping-L')).toBe('ping-L');
    child.kill();
  });

  it('keeps half-closed connections open both ways (-L and -R), so a reply after EOF arrives', async () => {
    // A server that answers only once its client has finished sending (as `nc -N` clients expect).
    const replier = createServer({ allowHalfOpen: true }, (sock) => {
      let buf = '';
      sock.on('data', (d: Buffer) => (buf += d.toString()));
      sock.on('end', () => sock.end(`got:${buf}`));
    });
    replier.listen(0, '127.0.0.1');
    await once(replier, 'listening');
    const rp = (replier.address() as AddressInfo).port;
    try {
      const [lport, rport] = [await freePort(), await freePort()];
      const { child } = await sshN(await t.identity(), ['-L', `${lport}:127.0.0.1:${rp}`, '-R', `${rport}:127.0.0.1:${rp}`], (e) =>
        e.includes('Entering interactive session'),
      );
      children.push(child);
      expect(await halfCloseThrough(lport, 'via-L')).toBe('got:via-L');
      expect(await halfCloseThrough(rport, 'via-R')).toBe('got:via-R');
      child.kill();
    } finally {
      replier.close();
    }
  });

  it('forwards ssh -R on a fixed and an allocated port, and stops listening when the client leaves', async () => {
    const rport = await freePort();
    const { child, stderr } = await sshN(await t.identity(), ['-R', `${rport}:127.0.0.1:${echoPort}`, '-R', `0:127.0.0.1:${echoPort}`], (e) =>
      /Allocated port \d+ for remote forward/.test(e),
    );
    expect(child.exitCode).toBeNull();
    const allocated = Number(/Allocated port (\d+) for remote forward/.exec(stderr())![1]);
    expect(await echoThrough(rport, 'ping-R')).toBe('ping-R');
    expect(await echoThrough(allocated, 'ping-R0')).toBe('ping-R0');
    child.kill();
    await once(child, 'exit');
    await waitFor(async () => (await echoThrough(rport, 'x').then(() => false, () => true)), 5000);
  });

  it.each([
    ['the certificate lacks permit-port-forwarding', () => ({ extensions: extensions(ALL_PERMITS.filter((p) => p !== 'permit-port-forwarding')) })],
    ['the roles forbid port forwarding', () => ({ roles: ['no-forward'] })],
  ])('refuses -W, -L and -R when %s', async (_why, cert) => {
    const id = await t.identity(cert());
    const w = await runSSH(['-W', `127.0.0.1:${echoPort}`, ...t.args(id)], { input: 'x' });
    expect(w.code).toBe(255);
    expect(w.stdout).toBe('');
    expect(w.stderr).toMatch(/open failed/);
    const rport = await freePort();
    const r = await runSSH(['-o', 'ExitOnForwardFailure=yes', '-R', `${rport}:127.0.0.1:${echoPort}`, ...t.args(id), 'sleep 1']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/remote port forwarding failed/);
    await expect(echoThrough(rport, 'x')).rejects.toThrow();
  });

  it('refuses port forwarding when the node has port_forwarding off', async () => {
    const n = await startTestNode({ config: { portForwarding: false } });
    try {
      const w = await runSSH(['-W', `127.0.0.1:${echoPort}`, ...n.args(await n.identity())], { input: 'x' });
      expect(w.code).toBe(255);
      expect(w.stderr).toMatch(/open failed/);
    } finally {
      await n.cleanup();
    }
  });

  describe('agent forwarding', () => {
    let agentSock: string;
    let agent: ChildProcess;
    beforeAll(async () => {
      agentSock = join(t.dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
      children.push(agent);
      await waitFor(() => existsSync(agentSock));
      const key = await t.identity();
      expect(spawnSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } }).status).toBe(0);
    });

    /** ssh -A with the test agent as the client's agent. */
    function sshA(identity: string, command: string) {
      const args = t.args(identity).flatMap((a, i, all) => (a === '-o' && all[i + 1] === 'IdentityAgent=none' ? [] : a === 'IdentityAgent=none' ? [] : [a]));
      return runSSH(['-A', '-o', `IdentityAgent=${agentSock}`, ...args, command]);
    }

    it('gives the session a private agent socket that reaches the client agent, removed at the end', async () => {
      const r = await sshA(await t.identity(), 'ssh-add -l | wc -l; echo "$SSH_AUTH_SOCK"; stat -c "%U %a" "$SSH_AUTH_SOCK" "$(dirname "$SSH_AUTH_SOCK")"');
      expect(r.stderr).toBe('');
      const [count, path, sockStat, dirStat] = r.stdout.trim().split('\n');
      // The key and its certificate.
      expect(Number(count)).toBe(2);
      expect(path).toMatch(/teleport-.*\.socket$/);
      expect(sockStat).toBe(`${TEST_LOGIN} 600`);
      expect(dirStat).toBe(`${TEST_LOGIN} 700`);
      await waitFor(() => !existsSync(path));
    });

    it.each([
      ['the certificate lacks permit-agent-forwarding', () => ({ extensions: extensions(ALL_PERMITS.filter((p) => p !== 'permit-agent-forwarding')) })],
      ['the roles do not allow forward_agent', () => ({ roles: ['no-forward'] })],
    ])('refuses it when %s', async (_why, cert) => {
      const r = await sshA(await t.identity(cert()), 'echo "sock=${SSH_AUTH_SOCK-}"; ssh-add -l; echo "rc=$?"');
      expect(r.stdout).toContain('sock=\n');
      expect(r.stdout).toContain('rc=2');
    });
  });
});
