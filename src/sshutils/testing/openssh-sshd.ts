/**
 * The machine's OpenSSH server as a test peer for our client: `sshd -i` (inetd mode) speaking over
 * its stdin/stdout, so no port is bound. It trusts a test user CA and presents a host certificate.
 * Test-only; not exported.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { Duplex } from 'node:stream';
import { formatAuthorizedKey, generateKeyPair } from '../../sshca/index.js';
import { makeCA, sshFiles } from './fixtures.js';

const SSHD = '/usr/sbin/sshd';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

/** Why sshd cannot run here, or undefined when it can (tests skip with this reason). */
export function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed`;
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) {
    try {
      mkdirSync('/run/sshd', { mode: 0o755 });
    } catch {
      return 'sshd needs /run/sshd';
    }
  }
  return undefined;
}

/**
 * A configured sshd: `connect()` starts one `sshd -i` and returns its stdio as a stream.
 * `extraConfig` lines come first, so they win over the defaults below.
 */
export async function openSSHServer(hostPrincipals = ['node.test'], extraConfig: string[] = []) {
  const files = await sshFiles();
  const userCA = makeCA();
  const hostCA = makeCA();
  const host = generateKeyPair('ed25519');
  const hostKey = await files.identity('host', host.privateKey, hostCA.sign(host.publicKey, 'host', hostPrincipals));
  await writeFile(files.path('user_ca.pub'), formatAuthorizedKey(userCA.blob) + '\n');
  const config = files.path('sshd_config');
  await writeFile(
    config,
    [
      ...extraConfig,
      `HostKey ${hostKey}`,
      `HostCertificate ${hostKey}-cert.pub`,
      `TrustedUserCAKeys ${files.path('user_ca.pub')}`,
      'AuthorizedKeysFile none',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin yes',
      'AllowTcpForwarding yes',
      'AllowAgentForwarding yes',
      'PidFile none',
      'LogLevel ERROR',
      `Subsystem sftp ${SFTP_SERVER}`,
      '',
    ].join('\n'),
  );
  const check = spawnSync(SSHD, ['-t', '-f', config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`sshd -t: ${check.stderr}`);
  const children: ReturnType<typeof spawn>[] = [];
  return {
    userCA,
    hostCA,
    /** The login sshd accepts: whoever runs the tests. */
    login: userInfo().username,
    dir: files.dir,
    /** A fresh sshd session on a stream. */
    connect(): Duplex {
      const child = spawn(SSHD, ['-i', '-f', config, '-e'], { stdio: ['pipe', 'pipe', 'ignore'] });
      children.push(child);
      return Duplex.from({ readable: child.stdout, writable: child.stdin });
    },
    async cleanup() {
      for (const c of children) c.kill();
      await files.cleanup();
    },
  };
}
