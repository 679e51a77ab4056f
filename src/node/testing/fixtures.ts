/**
 * Test fixtures for the node: an in-memory NodeAccessPoint, test CAs and user certificates as
 * Teleport mints them, a node on 127.0.0.1:0 with a host certificate, a dedicated OS user, and a
 * runner for the machine's OpenSSH client. Test-only; not exported.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../api/clock.js';
import { systemClock } from '../../api/clock.js';
import type { AuthPreference, NetworkingConfig, Node, Role, SessionTracker } from '../../api/types/index.js';
import { newRole, validateAuthPreference } from '../../api/types/index.js';
import type { SSHServiceConfig } from '../../config/index.js';
import { createLogger, silentLogger } from '../../log/index.js';
import {
  encodeOpenSSHPrivateKey,
  formatCertificate,
  formatKnownHostsCA,
  generateKeyPair,
  publicKeyToBlob,
  signCertificate,
} from '../../sshca/index.js';
import type { SSHCertificate } from '../../sshca/index.js';
import type { NodeAccessPoint } from '../access-point.js';
import type { LabelRunner } from '../command-labels.js';
import { NodeService, type NodeServiceOptions } from '../node-service.js';
import type { SessionEvent } from '../session-events.js';

const HOUR = 3600_000;

/** The OS account tests log in as (created when we are root). */
export const TEST_LOGIN = 'tpnodetest';

/**
 * Make sure TEST_LOGIN exists (useradd when root). Returns why it cannot, or undefined. Several
 * test files may race here: useradd refuses while another holds the passwd lock, so retry.
 */
export function ensureTestUser(): string | undefined {
  const exists = () => spawnSync('getent', ['passwd', TEST_LOGIN]).status === 0;
  if (exists()) return undefined;
  if (process.getuid?.() !== 0) return `not root: cannot create the test user ${TEST_LOGIN}`;
  for (let i = 0; i < 50 && !exists(); i++) {
    spawnSync('useradd', ['--create-home', '--shell', '/bin/bash', TEST_LOGIN]);
    if (!exists()) spawnSync('sleep', ['0.1']);
  }
  return exists() ? undefined : `useradd ${TEST_LOGIN} failed`;
}

/** A CA key pair that signs test certificates. */
export function makeCA() {
  const ca = generateKeyPair('ed25519');
  return { privateKey: ca.privateKey, blob: publicKeyToBlob(ca.publicKey) };
}
export type TestCA = ReturnType<typeof makeCA>;

/** The cluster as a node sees it, in memory. */
export class MemoryAccessPoint implements NodeAccessPoint {
  clusterName = 'test.cluster';
  readonly roleDefs = new Map<string, Role>();
  readonly heartbeats: { node: Node; ttlMs: number }[] = [];
  failHeartbeats = 0;
  networking?: NetworkingConfig;
  authPref: AuthPreference = validateAuthPreference({ kind: 'cluster_auth_preference', version: 'v2', spec: { type: 'local' } });

  constructor(public userCAs: Buffer[]) {}

  userCAKeys(): Promise<Buffer[]> {
    return Promise.resolve(this.userCAs);
  }
  roles(names: string[]): Promise<Role[]> {
    return Promise.resolve(names.flatMap((n) => this.roleDefs.get(n) ?? []));
  }
  authPreference(): Promise<AuthPreference> {
    return Promise.resolve(this.authPref);
  }
  networkingConfig(): Promise<NetworkingConfig | undefined> {
    return Promise.resolve(this.networking);
  }
  heartbeat(node: Node, ttlMs: number): Promise<void> {
    if (this.failHeartbeats > 0) {
      this.failHeartbeats--;
      return Promise.reject(new Error('auth server unreachable'));
    }
    this.heartbeats.push({ node: structuredClone(node), ttlMs });
    return Promise.resolve();
  }
  addRole(role: Role): void {
    this.roleDefs.set(role.metadata.name, role);
  }
  /** Session trackers as reported, by session ID, and every write in order. */
  readonly trackers = new Map<string, SessionTracker>();
  readonly trackerWrites: { op: 'upsert' | 'delete'; sessionId: string; ttlMs?: number }[] = [];
  upsertSessionTracker(tracker: SessionTracker, ttlMs: number): Promise<void> {
    this.trackers.set(tracker.metadata.name, structuredClone(tracker));
    this.trackerWrites.push({ op: 'upsert', sessionId: tracker.metadata.name, ttlMs });
    return Promise.resolve();
  }
  deleteSessionTracker(sessionId: string): Promise<void> {
    this.trackers.delete(sessionId);
    this.trackerWrites.push({ op: 'delete', sessionId });
    return Promise.resolve();
  }
}

/** A role like the preset `access` role: logins from traits, every node, forwarding allowed. */
export function accessRole(name = 'access', extra: Parameters<typeof newRole>[1] = {}): Role {
  return newRole(name, {
    options: { port_forwarding: true, forward_agent: true, ...extra.options },
    allow: { logins: ['{{internal.logins}}'], node_labels: { '*': '*' }, ...extra.allow },
    deny: extra.deny,
  });
}

/** An SSH service config with Teleport's defaults. */
export function sshConfig(over: Partial<SSHServiceConfig> = {}): SSHServiceConfig {
  return {
    listenAddr: { host: '127.0.0.1', port: 0 },
    publicAddrs: [],
    labels: {},
    commands: [],
    permitUserEnv: false,
    enhancedRecording: { enabled: false, settings: {} },
    pam: { enabled: false, serviceName: 'sshd', usePamAuth: false, environment: {} },
    x11: { enabled: false, displayOffset: 10 },
    disableCreateHostUser: false,
    portForwarding: true,
    sshFileCopy: true,
    ...over,
  };
}

/** What a test node is started with. */
export interface TestNodeOptions {
  config?: Partial<SSHServiceConfig>;
  clock?: Clock;
  tickMs?: number;
  labelRunner?: LabelRunner;
  events?: SessionEvent[];
  handshakeTimeoutMs?: number;
  advertiseAddr?: NodeServiceOptions['advertiseAddr'];
  /** Serve only through `serveConnection` (reverse tunnel mode): no listener. */
  useTunnel?: boolean;
  /** Adjust the access point before the node starts. */
  beforeStart?(access: MemoryAccessPoint): void;
  /** Write the node's log as JSON lines to this file. */
  logFile?: string;
  /** Connection limits (src/limiter). */
  limiter?: NodeServiceOptions['limiter'];
}

/** A node on 127.0.0.1:0 with its CAs, access point and a temp dir for client files. */
export async function startTestNode(opts: TestNodeOptions = {}) {
  const hostCA = makeCA();
  const userCA = makeCA();
  const access = new MemoryAccessPoint([userCA.blob]);
  access.addRole(accessRole());
  const host = generateKeyPair('ed25519');
  const hostCert = signCertificate({
    type: 'host',
    publicKey: host.publicKey,
    keyId: 'node-uuid',
    principals: ['node-uuid', 'node1', '127.0.0.1', 'localhost'],
    validAfter: new Date(Date.now() - HOUR),
    validBefore: new Date(Date.now() + 24 * HOUR),
    extensions: { 'x-teleport-role': 'Node', 'x-teleport-authority': 'test.cluster' },
    caPrivateKey: hostCA.privateKey,
  });
  const node = new NodeService({
    host: '127.0.0.1',
    port: 0,
    hostId: 'node-uuid',
    nodeName: 'node1',
    hostKey: host.privateKey,
    hostCert: formatCertificate(hostCert),
    config: sshConfig(opts.config),
    access,
    clock: opts.clock ?? systemClock,
    // NODE_TEST_LOG=debug shows the node's log while debugging a test.
    logger: opts.logFile
      ? createLogger({ output: opts.logFile, format: 'json', severity: 'debug' })
      : process.env.NODE_TEST_LOG ? createLogger({ severity: process.env.NODE_TEST_LOG }) : silentLogger,
    tickMs: opts.tickMs ?? 50,
    labelRunner: opts.labelRunner,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    advertiseAddr: opts.advertiseAddr,
    useTunnel: opts.useTunnel,
    limiter: opts.limiter,
    onSessionEvent: opts.events ? (e) => opts.events!.push(e) : undefined,
  });
  opts.beforeStart?.(access);
  const address = await node.start();
  const dir = await mkdtemp(join(tmpdir(), 'node-test-'));
  await chmod(dir, 0o755);
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, formatKnownHostsCA(hostCA.blob, ['127.0.0.1', '[127.0.0.1]:*']) + '\n');
  let n = 0;
  return {
    node,
    port: address.port,
    access,
    hostCA,
    userCA,
    dir,
    knownHosts,
    /** Mint a user certificate and write key + cert files; returns the key path. */
    async identity(o: CertOptions = {}): Promise<string> {
      const key = generateKeyPair('ed25519');
      const path = join(dir, `id-${n++}`);
      await writeIdentity(path, key.privateKey, userCert(o.ca ?? userCA, key.publicKey, o));
      return path;
    },
    /** ssh arguments logging in as `login` with `identity`. */
    args(identity: string, login = TEST_LOGIN): string[] {
      return [
        '-o', `UserKnownHostsFile=${knownHosts}`,
        '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'StrictHostKeyChecking=yes',
        '-o', 'IdentitiesOnly=yes',
        '-o', 'IdentityAgent=none',
        '-i', identity,
        '-o', `CertificateFile=${identity}-cert.pub`,
        '-p', String(address.port),
        `${login}@127.0.0.1`,
      ];
    },
    /** scp/sftp options for `identity` (port as -P); the host is `${login}@127.0.0.1`. */
    copyArgs(identity: string): string[] {
      const a = this.args(identity);
      const i = a.indexOf('-p');
      return [...a.slice(0, i), '-P', a[i + 1]];
    },
    async cleanup() {
      await node.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
export type TestNode = Awaited<ReturnType<typeof startTestNode>>;

/** What goes into a test user certificate (Teleport's contents unless overridden). */
export interface CertOptions {
  ca?: TestCA;
  type?: 'user' | 'host';
  principals?: string[];
  roles?: string[];
  traits?: Record<string, string[]>;
  /** Replaces the default extensions entirely. */
  extensions?: Record<string, string>;
  criticalOptions?: Record<string, string>;
  validAfter?: Date;
  validBefore?: Date;
  /** The Teleport user (key ID); default alice. */
  keyId?: string;
}

/** A user certificate as the auth server issues it. */
export function userCert(ca: TestCA, key: KeyObject, o: CertOptions = {}): SSHCertificate {
  const principals = o.principals ?? [TEST_LOGIN, 'root'];
  const extensions = o.extensions ?? {
    'permit-pty': '',
    'permit-port-forwarding': '',
    'permit-agent-forwarding': '',
    'teleport-roles': JSON.stringify({ version: 'v1', roles: o.roles ?? ['access'] }),
    'teleport-traits': JSON.stringify(o.traits ?? { logins: principals }),
  };
  return signCertificate({
    type: o.type ?? 'user',
    publicKey: key,
    keyId: o.keyId ?? 'alice',
    principals,
    validAfter: o.validAfter ?? new Date(Date.now() - HOUR),
    validBefore: o.validBefore ?? new Date(Date.now() + HOUR),
    criticalOptions: o.criticalOptions,
    extensions,
    caPrivateKey: ca.privateKey,
  });
}

async function writeIdentity(path: string, key: KeyObject, cert: SSHCertificate): Promise<void> {
  await writeFile(path, encodeOpenSSHPrivateKey(key), { mode: 0o600 });
  await writeFile(`${path}-cert.pub`, formatCertificate(cert) + '\n', { mode: 0o600 });
}

/** Result of one client run. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run an OpenSSH tool (`ssh`, `scp`, `sftp`) in batch mode; never rejects on exit codes. */
export function runTool(tool: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const base = tool === 'ssh' ? ['-F', 'none'] : ['-F', '/dev/null'];
    const child = spawn(tool, [...base, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** `ssh` with `args`. */
export function runSSH(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return runTool('ssh', args, opts);
}

/** Wait until `cond` holds (polling), or throw after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}

/** The uid of a local account (getent), or -1. */
export function lookupUid(login: string): number {
  const r = spawnSync('getent', ['passwd', login], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.split(':')[2]) : -1;
}
