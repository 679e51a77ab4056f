// The proxy's SSH listener over real sockets, driven by the machine's OpenSSH client (ProxyCommand
// with `-s proxy:%h:%p@cluster`, and `ssh -J`) and by our ssh2 client as tsh would: routing, the
// errors users see, certificate refusals, garbage, and bytes relayed intact both ways.
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, ConnectionProblemError } from '../../api/errors.js';
import { FakeClock } from '../../api/clock.js';
import { createLogger, silentLogger } from '../../log/index.js';
import { formatCertificate, generateKeyPair, signCertificate, verifyCertificate } from '../../sshca/index.js';
import type { SSHCertificate } from '../../sshca/index.js';
import { connectSSH } from '../../sshutils/index.js';
import type { HostKeyInfo, SSHClient, SSHServer } from '../../sshutils/index.js';
import { certAuthenticator, makeCA, sshFiles, testServer } from '../../sshutils/testing/fixtures.js';
import { ProxySSHServer } from './server.js';
import { eventually, memoryAccess, nodeResource, runOpenSSH, tcpServer, writeSSHConfig } from './testing/fixtures.js';

const CLUSTER = 'example.com';
const NODE1 = '6b0d6a57-1f2e-4c3a-9b8d-00000000a001';
const NODE2 = '6b0d6a57-1f2e-4c3a-9b8d-00000000a002';
const HOUR = 3600_000;

const hostCA = makeCA();
const userCA = makeCA();
const clock = new FakeClock(Date.now());
const { access, state } = memoryAccess(CLUSTER, [userCA.blob]);
let files: Awaited<ReturnType<typeof sshFiles>>;
let cfg: string;
let proxy: ProxySSHServer;
let proxyPort: number;
let node1: SSHServer;
let node2: SSHServer;
let auth: Awaited<ReturnType<typeof tcpServer>>;
let authSent = '';
const alice = generateKeyPair();
const aliceCert = userCA.sign(alice.publicKey, 'user', ['alice']);
const clients: SSHClient[] = [];

async function startNode(principals: string[]): Promise<SSHServer> {
  const key = generateKeyPair();
  return testServer({ logger: process.env.PDEBUG ? createLogger({ severity: 'debug' }) : silentLogger, hostKey: key.privateKey, hostCert: hostCA.sign(key.publicKey, 'host', principals).blob, authenticate: certAuthenticator(userCA.blob) });
}

beforeAll(async () => {
  files = await sshFiles();
  const knownHosts = await files.knownHostsCA(hostCA.blob, '*');
  cfg = await writeSSHConfig(files.path('ssh_config'), await files.identity('alice', alice.privateKey, aliceCert), knownHosts);
  node1 = await startNode([NODE1, `${NODE1}.${CLUSTER}`, 'node1', `node1.${CLUSTER}`, '127.0.0.1']);
  node2 = await startNode([NODE2, 'node2', '127.0.0.1']);
  // Stands for the auth API: sends 1 MB, then answers the client's EOF with the hash of what it got.
  auth = await tcpServer((s) => {
    const h = createHash('sha256');
    const out = randomBytes(1 << 20);
    authSent = sha(out);
    s.write(out);
    s.on('data', (b: Buffer) => h.update(b));
    s.on('end', () => s.end(h.digest()));
  });
  state.authAddr = auth.addr;
  state.nodes = [
    nodeResource(NODE1, 'node1', `127.0.0.1:${node1.address.port}`, { env: 'prod', role: 'web' }),
    nodeResource(NODE2, 'node2', `127.0.0.1:${node2.address.port}`, { env: 'prod', role: 'db' }),
    nodeResource('dup-a', 'twin', '10.1.1.1:3022', {}),
    nodeResource('dup-b', 'twin', '10.1.1.2:3022', {}),
    nodeResource('gone', 'gone', '127.0.0.1:1', {}),
  ];
  proxy = await startProxy();
  proxyPort = (await proxy.start()).port;
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await proxy.close();
  await Promise.all([node1.close(), node2.close(), auth.close()]);
  await files.cleanup();
});

function startProxy(): ProxySSHServer {
  const key = generateKeyPair();
  const hostCert = formatCertificate(hostCA.sign(key.publicKey, 'host', ['127.0.0.1', 'localhost']));
  return new ProxySSHServer({ host: '127.0.0.1', port: 0, hostKey: key.privateKey, hostCert, access, clock, logger: process.env.PDEBUG ? createLogger({ severity: 'debug' }) : silentLogger });
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** `ssh` to `dest` through the proxy with the ProxyCommand `tsh config`'s older form writes. */
function viaSubsystem(dest: string, port: number, command: string, input?: Buffer | string) {
  const proxyCommand = `ssh -F ${cfg} -p ${proxyPort} -s alice@127.0.0.1 proxy:%h:%p@${CLUSTER}`;
  return runOpenSSH(['-F', cfg, '-o', `ProxyCommand=${proxyCommand}`, '-p', String(port), `alice@${dest}`, command], input);
}

/** `ssh -J` (a direct-tcpip channel on the proxy). */
function viaJump(dest: string, port: number, command: string) {
  return runOpenSSH(['-F', cfg, '-J', `alice@127.0.0.1:${proxyPort}`, '-p', String(port), `alice@${dest}`, command]);
}

/** `ssh -s` straight to the proxy: what a failing ProxyCommand prints. */
function subsystemOnly(name: string) {
  return runOpenSSH(['-F', cfg, '-p', String(proxyPort), '-s', 'alice@127.0.0.1', name]);
}

function trustHost(principal: string): (k: HostKeyInfo) => boolean {
  return (k) => {
    try {
      verifyCertificate(k.cert!, { trustedCAs: [hostCA.blob], now: Date.now(), type: 'host', principal });
      return true;
    } catch {
      return false;
    }
  };
}

async function loginProxy(cert: SSHCertificate | undefined, key = alice.privateKey, username = 'alice'): Promise<SSHClient> {
  const c = await connectSSH({ host: '127.0.0.1', port: proxyPort, username, privateKey: key, cert: cert?.blob, verifyHostKey: trustHost('127.0.0.1') });
  clients.push(c);
  return c;
}

describe('routing with the OpenSSH client', () => {
  it.each([
    ['hostname', 'node1', () => node1.address.port],
    ['UUID', NODE1, () => node1.address.port],
    ['uuid.cluster', `${NODE1}.${CLUSTER}`, () => node1.address.port],
    ['hostname.cluster', `node1.${CLUSTER}`, () => node1.address.port],
    ['address (the port picks node2)', '127.0.0.1', () => node2.address.port],
  ])('ProxyCommand ssh -s proxy:host:port@cluster, by %s', async (_t, dest, port) => {
    const r = await viaSubsystem(dest, port(), 'echo routed');
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('routed\n');
    expect(r.code).toBe(0);
  });

  it('passes the exit status of the command on the node through', async () => {
    const r = await viaSubsystem('node1', node1.address.port, 'echo oops >&2; exit 7');
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('oops');
  });

  it('ssh -J opens a direct-tcpip channel routed the same way', async () => {
    const r = await viaJump('node1', node1.address.port, 'echo jumped');
    expect(r.stderr).toBe('');
    expect(r.stdout.toString()).toBe('jumped\n');
    const byId = await viaJump(NODE2, node2.address.port, 'echo by-id');
    expect(byId.stdout.toString()).toBe('by-id\n');
  });

  it('ssh -J to a node that is not registered fails at the jump host', async () => {
    const r = await viaJump('nowhere', 22, 'true');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/open failed|stdio forwarding failed/);
  });

  it('relays 4 MB each way intact (hash check)', async () => {
    const up = randomBytes(4 << 20);
    const r = await viaSubsystem('node1', node1.address.port, 'sha256sum', up);
    expect(r.stdout.toString().split(' ')[0]).toBe(sha(up));
    const down = randomBytes(4 << 20);
    await writeFile(files.path('down.bin'), down);
    const d = await viaSubsystem('node1', node1.address.port, `cat ${files.path('down.bin')}`);
    expect(d.code).toBe(0);
    expect(d.stdout.length).toBe(down.length);
    expect(sha(d.stdout)).toBe(sha(down));
  });
});

describe('errors the user sees', () => {
  it.each([
    ['a malformed request', 'proxy:node1', `invalid format for proxy request: "proxy:node1", expected 'proxy:host:port@cluster'`],
    ['a subsystem that is not proxy:', 'sftp', `invalid format for proxy request: "sftp", expected 'proxy:host:port@cluster'`],
    ['an unknown node', `proxy:nowhere:22@${CLUSTER}`, 'node "nowhere:22" not found: direct dialing to nodes not found in inventory is not supported'],
    ['an unknown UUID', `proxy:6b0d6a57-1f2e-4c3a-9b8d-00000000ffff:0@${CLUSTER}`, 'unable to locate node matching UUID-like target 6b0d6a57-1f2e-4c3a-9b8d-00000000ffff'],
    ['an ambiguous host', `proxy:twin:0@${CLUSTER}`, 'ambiguous host could match multiple nodes: twin (dup-a), twin (dup-b)'],
    ['an unknown cluster', 'proxy:node1:0@other.example.com', 'invalid format for proxy request: unknown cluster "other.example.com"'],
    ['a node that does not answer', `proxy:gone:0@${CLUSTER}`, 'failed connecting to node gone: failed to dial 127.0.0.1:1: connect ECONNREFUSED'],
  ])('%s: stderr text, then the request fails', async (_t, name, text) => {
    const r = await subsystemOnly(name);
    expect(r.stderr).toContain(text);
    expect(r.stderr).toContain('subsystem request failed');
    expect(r.code).toBe(255);
  });

  it('an ssh2 client (as tsh) sees the request fail with the proxy’s reason', async () => {
    const c = await loginProxy(aliceCert);
    const refused = c.subsystem(`proxy:twin:0@${CLUSTER}`);
    await expect(refused).rejects.toThrow(ConnectionProblemError);
    await expect(refused).rejects.toThrow('ambiguous host could match multiple nodes: twin (dup-a), twin (dup-b)');
  });

  it('refuses shell and exec on the proxy', async () => {
    const r = await runOpenSSH(['-F', cfg, '-p', String(proxyPort), 'alice@127.0.0.1', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/exec request failed/);
  });
});

describe('routing with our client, as tsh does', () => {
  async function overProxy(name: string, principal: string): Promise<string> {
    const c = await loginProxy(aliceCert);
    const sock = await c.subsystem(name);
    const n = await connectSSH({ sock, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: trustHost(principal) });
    clients.push(n);
    const p = await n.exec('echo via-ssh2');
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await p.exit;
    return out;
  }

  it('by label selector', async () => {
    expect(await overProxy(`proxy:role=db:0@${CLUSTER}`, 'node2')).toBe('via-ssh2\n');
    expect(await overProxy(`proxy:env=prod,role=web:0@${CLUSTER}`, 'node1')).toBe('via-ssh2\n');
  });

  it('by hostname without a cluster (the proxy’s own)', async () => {
    expect(await overProxy(`proxy:node1:${node1.address.port}`, 'node1')).toBe('via-ssh2\n');
  });

  it('proxy:@cluster relays raw bytes to the auth API, 4 MB up and 1 MB down, then closes the auth connection', async () => {
    const c = await loginProxy(aliceCert);
    const ch = await c.subsystem(`proxy:@${CLUSTER}`);
    const up = randomBytes(4 << 20);
    const got: Buffer[] = [];
    ch.on('data', (b: Buffer) => got.push(b));
    const ended = new Promise((resolve) => ch.once('end', resolve));
    ch.end(up);
    await ended;
    const all = Buffer.concat(got);
    expect(all.length).toBe((1 << 20) + 32);
    expect(sha(all.subarray(0, 1 << 20))).toBe(authSent);
    expect(all.subarray(1 << 20).toString('hex')).toBe(sha(up));
    await eventually(() => auth.open.size === 0);
  });

  it('towards a node, only SSH is relayed', async () => {
    const c = await loginProxy(aliceCert);
    const ch = await c.subsystem(`proxy:node1:0@${CLUSTER}`);
    const closed = new Promise((resolve) => ch.once('close', resolve));
    ch.on('data', () => {});
    ch.write('GET / HTTP/1.1\r\n\r\n');
    await closed;
  });
});

describe('who may log in', () => {
  const key = generateKeyPair();
  const sign = (over: Partial<Parameters<typeof signCertificate>[0]>, ca = userCA.privateKey) =>
    signCertificate({
      type: 'user',
      publicKey: key.publicKey,
      keyId: 'alice',
      principals: ['alice'],
      validAfter: new Date(Date.now() - HOUR),
      validBefore: new Date(Date.now() + HOUR),
      caPrivateKey: ca,
      ...over,
    });

  it.each([
    ['an expired certificate', () => sign({ validAfter: new Date(Date.now() - 2 * HOUR), validBefore: new Date(Date.now() - HOUR) })],
    ['a certificate from a foreign CA', () => sign({}, makeCA().privateKey)],
    ['a host certificate', () => sign({ type: 'host' })],
    ['a certificate without the login', () => sign({ principals: ['bob'] })],
    ['a certificate bound to other addresses', () => sign({ criticalOptions: { 'source-address': '10.0.0.0/8' } })],
    ['a certificate with an unknown critical option', () => sign({ criticalOptions: { 'verify-required': '' } })],
    ['a plain key', () => undefined],
  ])('refuses %s', async (_t, cert) => {
    await expect(loginProxy(cert(), key.privateKey)).rejects.toThrow(AccessDeniedError);
  });

  it('judges validity by the injected clock', async () => {
    const cert = sign({});
    try {
      clock.advance(2 * HOUR);
      await expect(loginProxy(cert, key.privateKey)).rejects.toThrow(AccessDeniedError);
    } finally {
      clock.advance(-2 * HOUR);
    }
    await expect(loginProxy(cert, key.privateKey)).resolves.toBeDefined();
  });

  it('OpenSSH with a certificate for another login is denied', async () => {
    const r = await runOpenSSH(['-F', cfg, '-p', String(proxyPort), '-s', 'bob@127.0.0.1', `proxy:node1:0@${CLUSTER}`]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Permission denied');
  });
});

describe('robustness', () => {
  it('garbage on the port ends only that connection', async () => {
    const sock = connect({ host: '127.0.0.1', port: proxyPort });
    sock.on('error', () => {});
    sock.on('data', () => {});
    await new Promise((resolve) => sock.once('connect', resolve));
    sock.write(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), randomBytes(4096)]));
    await new Promise((resolve) => sock.once('close', resolve));
    const junk = connect({ host: '127.0.0.1', port: proxyPort });
    junk.on('error', () => {});
    junk.on('data', () => {});
    junk.end(randomBytes(64 << 10));
    await new Promise((resolve) => junk.once('close', resolve));
    const r = await viaSubsystem('node1', node1.address.port, 'echo still-up');
    expect(r.stdout.toString()).toBe('still-up\n');
  });

  it('a client gone while its node is being dialed leaves nothing open, and the proxy stays up', async () => {
    const target = await tcpServer((sock) => sock.on('end', () => sock.end()));
    state.nodes.push(nodeResource('slow', 'slow', target.addr, {}));
    const calls = state.nodeCalls;
    state.nodesDelayMs = 300;
    try {
      const child = spawn('ssh', ['-F', cfg, '-p', String(proxyPort), '-s', 'alice@127.0.0.1', `proxy:slow:0@${CLUSTER}`], { stdio: 'pipe' });
      child.stderr.on('data', () => {});
      await eventually(() => state.nodeCalls > calls);
      child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 600));
      expect(target.accepted()).toBe(1);
      await eventually(() => target.open.size === 0);
    } finally {
      state.nodesDelayMs = 0;
      state.nodes.pop();
      await target.close();
    }
    const r = await viaSubsystem('node1', node1.address.port, 'echo after');
    expect(r.stdout.toString()).toBe('after\n');
  });

  it('close() drops live relays and is safe twice', async () => {
    const p = startProxy();
    const { port } = await p.start();
    const c = await connectSSH({ host: '127.0.0.1', port, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: trustHost('127.0.0.1') });
    clients.push(c);
    const ch = await c.subsystem(`proxy:@${CLUSTER}`);
    ch.on('data', () => {});
    const before = auth.accepted();
    await eventually(() => auth.open.size > 0 && auth.accepted() >= before);
    await Promise.all([p.close(), p.close()]);
    await eventually(() => auth.open.size === 0);
    await expect(connectSSH({ host: '127.0.0.1', port, username: 'alice', privateKey: alice.privateKey, cert: aliceCert.blob, verifyHostKey: trustHost('127.0.0.1'), timeoutMs: 2000 })).rejects.toThrow(
      ConnectionProblemError,
    );
  });
});
