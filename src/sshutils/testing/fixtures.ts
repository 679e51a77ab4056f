/**
 * Test fixtures for sshutils: a CA with host and user certificates, key files for OpenSSH, a
 * runner for the machine's `ssh`, and a small exec server. Test-only; not exported.
 */
import { spawn } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../log/index.js';
import {
  encodeOpenSSHPrivateKey,
  formatCertificate,
  formatKnownHostsCA,
  generateKeyPair,
  publicKeyToBlob,
  signCertificate,
  verifyCertificate,
} from '../../sshca/index.js';
import type { KeyAlgorithm, SSHCertificate } from '../../sshca/index.js';
import { startSSHServer } from '../server.js';
import type { SSHServer } from '../server.js';
import type { AuthContext, AuthResult, SSHServerOptions } from '../server-options.js';
import type { SSHSession } from '../session.js';

const HOUR = 3600_000;

/** A CA that signs certificates valid for an hour from now unless told otherwise. */
export function makeCA(alg: KeyAlgorithm = 'ed25519') {
  const ca = generateKeyPair(alg);
  return {
    privateKey: ca.privateKey,
    blob: publicKeyToBlob(ca.publicKey),
    sign(
      key: KeyObject,
      type: 'user' | 'host',
      principals: string[],
      extra: { validAfter?: Date; validBefore?: Date; extensions?: Record<string, string> } = {},
    ): SSHCertificate {
      return signCertificate({
        type,
        publicKey: key,
        keyId: `${type}-${principals[0]}`,
        principals,
        validAfter: extra.validAfter ?? new Date(Date.now() - HOUR),
        validBefore: extra.validBefore ?? new Date(Date.now() + HOUR),
        extensions: extra.extensions ?? (type === 'user' ? { 'permit-pty': '', 'permit-agent-forwarding': '' } : {}),
        caPrivateKey: ca.privateKey,
      });
    },
  };
}

/** A temp dir with helpers to write key, cert and known_hosts files for OpenSSH. */
export async function sshFiles() {
  const dir = await mkdtemp(join(tmpdir(), 'sshutils-'));
  const path = (name: string) => join(dir, name);
  return {
    dir,
    path,
    async identity(name: string, key: KeyObject, cert?: SSHCertificate): Promise<string> {
      await writeFile(path(name), encodeOpenSSHPrivateKey(key));
      await chmod(path(name), 0o600);
      if (cert) await writeFile(path(`${name}-cert.pub`), formatCertificate(cert) + '\n', { mode: 0o600 });
      return path(name);
    },
    async knownHostsCA(caBlob: Buffer, pattern = '127.0.0.1'): Promise<string> {
      await writeFile(path('known_hosts'), formatKnownHostsCA(caBlob, pattern) + '\n');
      return path('known_hosts');
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Result of one `ssh` run. */
export interface SSHRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the machine's OpenSSH client with BatchMode and no config file; never rejects on exit codes. */
export function runSSH(args: string[], env: NodeJS.ProcessEnv = {}): Promise<SSHRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', ['-F', 'none', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** OpenSSH arguments for a cert login to `server` with host-cert checking through `knownHosts`. */
export function sshArgs(server: SSHServer, knownHosts: string, identity: string, user = 'alice'): string[] {
  return [
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-i', identity,
    '-o', `CertificateFile=${identity}-cert.pub`,
    '-p', String(server.address.port),
    `${user}@127.0.0.1`,
  ];
}

/** An `authenticate` as a node does it: trusted user CA, validity, principal = login, signature. */
export function certAuthenticator(userCA: Buffer, seen: AuthContext[] = []): (ctx: AuthContext) => Promise<AuthResult> {
  return (ctx) => {
    seen.push(ctx);
    if (!ctx.signatureOk) return Promise.resolve({ allow: false, reason: 'bad signature' });
    if (!ctx.cert) return Promise.resolve({ allow: false, reason: 'certificate required' });
    try {
      verifyCertificate(ctx.cert, {
        trustedCAs: [userCA],
        now: Date.now(),
        type: 'user',
        principal: ctx.username,
        sourceAddress: ctx.remoteAddress,
      });
    } catch (err) {
      return Promise.resolve({ allow: false, reason: (err as Error).message });
    }
    return Promise.resolve({ allow: true, identity: { keyId: ctx.cert.keyId } });
  };
}

/**
 * A session handler for tests: exec runs `sh -c`, except `pty-info` (prints the pty request as
 * JSON), `agent-ids` (counts the forwarded agent's identities) and `sig-test` (exits by signal).
 */
export function testSessionHandler(session: SSHSession): void {
  void (async () => {
    let pty: unknown;
    let agent = false;
    for await (const req of session.requests) {
      switch (req.type) {
        case 'pty': {
          const { accept: _a, reject: _r, type: _t, ...info } = req;
          pty = info;
          req.accept();
          break;
        }
        case 'env':
        case 'auth-agent':
          agent ||= req.type === 'auth-agent';
          req.accept();
          break;
        case 'exec': {
          const ch = req.accept();
          if (req.command === 'pty-info') {
            ch.stream.write(JSON.stringify(pty ?? null) + '\n');
            ch.exit({ code: 0 });
          } else if (req.command === 'agent-ids') {
            const n = agent ? await countAgentIdentities(session) : -1;
            ch.stream.write(`${n}\n`);
            ch.exit({ code: 0 });
          } else if (req.command === 'sig-test') {
            ch.exit({ signal: 'TERM' });
          } else {
            const child = spawn('sh', ['-c', req.command], { stdio: ['pipe', 'pipe', 'pipe'] });
            ch.stream.pipe(child.stdin).on('error', () => {});
            child.stdout.pipe(ch.stream, { end: false });
            child.stderr.pipe(ch.stderr, { end: false });
            child.on('close', (code) => ch.exit({ code: code ?? 255 }));
          }
          break;
        }
        case 'shell':
        case 'subsystem':
          req.reject();
          break;
        default:
          break;
      }
    }
  })();
}

/** SSH_AGENTC_REQUEST_IDENTITIES over the forwarded agent; returns the number of keys. */
async function countAgentIdentities(session: SSHSession): Promise<number> {
  const agent = await session.openAgent();
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    agent.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        agent.end();
        if (buf[4] !== 12) reject(new Error(`agent answered type ${buf[4]}`));
        else resolve(buf.readUInt32BE(5));
      }
    });
    agent.on('error', reject);
    agent.write(Buffer.from([0, 0, 0, 1, 11]));
  });
}

/** Start a test server on 127.0.0.1:0 with the test session handler. */
export function testServer(opts: Partial<SSHServerOptions> & Pick<SSHServerOptions, 'hostKey' | 'authenticate'>): Promise<SSHServer> {
  return startSSHServer({ host: '127.0.0.1', port: 0, onSession: testSessionHandler, logger: silentLogger, ...opts });
}
