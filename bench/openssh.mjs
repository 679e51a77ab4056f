// The OpenSSH baseline: two real sshd on random 127.0.0.1 ports, one a jump host and one the
// target, both trusting a temporary user CA and presenting host certificates from a temporary host
// CA (as our cluster does), each pinned to one cipher (and key exchange). `ssh -F <config> node` reaches the target
// through `ProxyJump jump`, exactly `ssh -J jump node`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serverOffer } from './kexinit.mjs';
import { freePort, run, startServer, stopServer, waitForPort } from './run.mjs';

const SSHD = '/usr/sbin/sshd';

/** Creates the CAs, the user key and certificate (principal root) and the known_hosts in `dir`. */
export async function makeOpenSshKeys(dir) {
  await mkdir(dir, { recursive: true });
  const keygen = (...args) => run('ssh-keygen', ['-q', ...args]);
  for (const name of ['user_ca', 'host_ca', 'user', 'host_jump', 'host_node']) {
    await keygen('-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name));
  }
  await keygen('-s', join(dir, 'user_ca'), '-I', 'bench', '-n', 'root', '-V', '+1d', join(dir, 'user.pub'));
  for (const host of ['jump', 'node']) {
    const principals = `127.0.0.1,localhost,${host}`;
    await keygen('-s', join(dir, 'host_ca'), '-h', '-I', host, '-n', principals, '-V', '+1d', join(dir, `host_${host}.pub`));
  }
  const hostCa = (await readFile(join(dir, 'host_ca.pub'), 'utf8')).trim();
  await writeFile(join(dir, 'known_hosts'), `@cert-authority * ${hostCa}\n`);
  return dir;
}

function sshdConfig(keys, name, port, cipher, kex, extra = []) {
  return [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${join(keys, `host_${name}`)}`,
    `HostCertificate ${join(keys, `host_${name}-cert.pub`)}`,
    `TrustedUserCAKeys ${join(keys, 'user_ca.pub')}`,
    'AuthorizedKeysFile none',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    // The temp dir under /tmp is world-writable up the path; StrictModes would refuse it.
    'StrictModes no',
    `Ciphers ${cipher}`,
    ...(kex ? [`KexAlgorithms ${kex}`] : []),
    'AllowTcpForwarding yes',
    'PrintMotd no',
    'PrintLastLog no',
    'PidFile none',
    'LogLevel INFO',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    ...extra,
    '',
  ].join('\n');
}

/** The client side: an ssh_config where host `node` is reached with ProxyJump through `jump`. */
function sshClientConfig(keys, jumpPort, nodePort, cipher, kex) {
  return [
    'Host jump',
    '  HostName 127.0.0.1',
    `  Port ${jumpPort}`,
    'Host node',
    '  HostName 127.0.0.1',
    `  Port ${nodePort}`,
    '  ProxyJump jump',
    'Host *',
    '  User root',
    `  IdentityFile ${join(keys, 'user')}`,
    `  CertificateFile ${join(keys, 'user-cert.pub')}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(keys, 'known_hosts')}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    '  UpdateHostKeys no',
    '  BatchMode yes',
    '  ControlMaster no',
    '  ControlPath none',
    `  Ciphers ${cipher}`,
    ...(kex ? [`  KexAlgorithms ${kex}`] : []),
    '  LogLevel ERROR',
    '',
  ].join('\n');
}

/**
 * Starts the jump host and the target sshd pinned to `cipher` (and `kex` when given), in `dir` (keys from
 * `makeOpenSshKeys`); `sshdExtra` are more sshd_config lines (limits for many sessions). Returns {sshArgs(command), pids, close()}: `ssh ...sshArgs(cmd)` runs `cmd`
 * on the target through the jump host; `pids` are the two listening sshd.
 */
export async function startOpenSshPair({ dir, keys, cipher, kex, sshdExtra = [] }) {
  await mkdir(dir, { recursive: true });
  // sshd's privilege separation needs its empty chroot directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const ports = { jump: await freePort(), node: await freePort() };
  const daemons = [];
  try {
    for (const name of ['jump', 'node']) {
      const config = join(dir, `sshd_${name}.conf`);
      await writeFile(config, sshdConfig(keys, name, ports[name], cipher, kex, sshdExtra));
      await run(SSHD, ['-t', '-f', config]);
      const child = startServer(SSHD, ['-D', '-e', '-f', config], { logFile: join(dir, `sshd_${name}.log`) });
      daemons.push(child);
      await waitForPort(ports[name], { child });
      const { ciphers } = await serverOffer(ports[name]);
      if (ciphers.join() !== cipher) throw new Error(`sshd ${name} offers ${ciphers.join(',')}, not only ${cipher}`);
    }
  } catch (err) {
    await Promise.all(daemons.map((c) => stopServer(c)));
    throw err;
  }
  const clientConfig = join(dir, 'ssh_config');
  await writeFile(clientConfig, sshClientConfig(keys, ports.jump, ports.node, cipher, kex));
  return {
    ports,
    pids: daemons.map((c) => c.pid),
    clientConfig,
    sshArgs: (command) => ['-F', clientConfig, 'node', command],
    close: () => Promise.all(daemons.map((c) => stopServer(c))),
  };
}

/** The machine's OpenSSH version line (`OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL ...`). */
export async function openSshVersion() {
  const { stderr } = await run('ssh', ['-V']);
  return stderr.trim();
}
