/**
 * Test fixtures for the proxy's SSH listener: node resources, an in-memory ProxySSHAccess, an
 * OpenSSH config file for certificate logins, a runner for the machine's `ssh` with stdin and
 * binary stdout, and TCP servers standing in for auth. Test-only; not exported.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Node } from '../../../api/types/index.js';
import type { TunnelDialer } from '../../../reversetunnel/index.js';
import { Router } from '../../route/index.js';
import type { ProxySSHAccess } from '../access.js';

/** A registered node as a heartbeat leaves it. */
export function nodeResource(
  name: string,
  hostname: string,
  addr: string,
  labels: Record<string, string>,
  spec: Partial<Node['spec']> = {},
): Node {
  return { kind: 'node', version: 'v2', metadata: { name, labels }, spec: { hostname, addr, ...spec } };
}

/** An in-memory access: edit `nodes`, `authAddr` and `tunnels` freely; counts `nodes()` calls. */
export function memoryAccess(clusterName: string, userCAs: Buffer[]) {
  const state = {
    nodes: [] as Node[],
    userCAs,
    authAddr: '127.0.0.1:1',
    nodeCalls: 0,
    /** Delay answers to `nodes()` by this many ms (a slow auth server). */
    nodesDelayMs: 0,
    /** Reaches `use_tunnel` nodes when set. */
    tunnels: undefined as TunnelDialer | undefined,
  };
  const nodes = async () => {
    state.nodeCalls++;
    if (state.nodesDelayMs > 0) await new Promise((r) => setTimeout(r, state.nodesDelayMs));
    return structuredClone(state.nodes);
  };
  const access: ProxySSHAccess = {
    clusterName,
    userCAKeys: () => Promise.resolve(state.userCAs),
    authAddr: () => state.authAddr,
    router: new Router({ clusterName, reads: { nodes }, tunnels: () => state.tunnels }),
  };
  return { access, state };
}

/** An ssh_config that logs in with `identity` (and its -cert.pub) and trusts `knownHosts` only. */
export async function writeSSHConfig(path: string, identity: string, knownHosts: string): Promise<string> {
  await writeFile(
    path,
    [
      'Host *',
      '  BatchMode yes',
      '  ConnectTimeout 10',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  IdentityFile ${identity}`,
      `  CertificateFile ${identity}-cert.pub`,
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  return path;
}

/** One `ssh` run: exit code, binary stdout, text stderr. */
export interface OpenSSHRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Run the machine's `ssh` with `args`, feeding `input` (or nothing) on stdin; never rejects on exit codes. */
export function runOpenSSH(args: string[], input?: Buffer | string): Promise<OpenSSHRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** A TCP server run by `onConn`, tracking open sockets so tests can see that none is left. */
export async function tcpServer(onConn: (s: Socket) => void): Promise<{ addr: string; open: Set<Socket>; accepted: () => number; close(): Promise<void> }> {
  const open = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    accepted++;
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => {});
    onConn(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    addr: `127.0.0.1:${port}`,
    open,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Poll `cond` every 20 ms for up to `ms`; throws when it never holds. */
export async function eventually(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
