// Our side of the benchmark: a one-process cluster (auth + proxy + node) started with
// `./bin/teleport start -c <temp config>` on random 127.0.0.1 ports with a temp data dir and the
// cipher pinned in `teleport.ciphers`, a user `bench` with login root who logs in with `tsh login`
// (password set through the invite link). Rows: OpenSSH `ssh -J` through our proxy to our node,
// `tsh ssh`, and OpenSSH through `tsh config`.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { serverOffer } from './kexinit.mjs';
import { freePort, run, startServer, stopServer, waitForPort } from './run.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(ROOT, 'bin', name);
const NODENAME = 'bench-node';
const CLUSTER = 'bench.localhost';
const USER = 'bench';
/** The bench user's password (Teleport's policy: 12 characters or more). */
export const PASSWORD = 'bench-password-0123';

/** Builds dist/ (a no-op when it is newer than the sources): bin/* run the bundles. */
export async function buildDist() {
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);
}

function teleportYaml({ dataDir, ports, cipher, kex, recording }) {
  return [
    'version: v3',
    'teleport:',
    `  nodename: ${NODENAME}`,
    `  data_dir: ${dataDir}`,
    '  log: {output: stderr, severity: ERROR}',
    `  ciphers: [${cipher}]`,
    ...(kex ? [`  kex_algos: [${kex}]`] : []),
    'auth_service:',
    '  enabled: yes',
    `  cluster_name: ${CLUSTER}`,
    `  listen_addr: 127.0.0.1:${ports.auth}`,
    '  authentication: {type: local, second_factor: off}',
    `  session_recording: ${recording}`,
    'proxy_service:',
    '  enabled: yes',
    `  web_listen_addr: 127.0.0.1:${ports.web}`,
    `  listen_addr: 127.0.0.1:${ports.proxySsh}`,
    `  tunnel_listen_addr: 127.0.0.1:${ports.tunnel}`,
    `  public_addr: 127.0.0.1:${ports.web}`,
    `  ssh_public_addr: 127.0.0.1:${ports.proxySsh}`,
    'ssh_service:',
    '  enabled: yes',
    `  listen_addr: 127.0.0.1:${ports.node}`,
    '',
  ].join('\n');
}

/** Retries `fn` until it resolves or `timeoutMs` passes (then throws its last error). */
export async function retry(fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

/**
 * Completes `tctl users add`'s invite (printed in `tctlOutput`) with `PASSWORD` through the proxy's
 * web API, as the invite page does. The proxy's certificate is from the cluster's own CA: loopback
 * only, so this one request skips verification (as `tsh --insecure` does).
 */
export async function acceptInvite(webPort, tctlOutput) {
  const url = /https:\/\/\S+\/web\/invite\/(\S+)/.exec(tctlOutput);
  if (!url) throw new Error(`no invite link in tctl users add output:\n${tctlOutput}`);
  const body = JSON.stringify({ token: url[1], password: Buffer.from(PASSWORD).toString('base64'), second_factor_token: '' });
  const status = await new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: webPort, method: 'PUT', path: '/webapi/users/password/token', rejectUnauthorized: false },
      (res) => res.resume().on('end', () => resolve(res.statusCode)),
    );
    req.setHeader('content-type', 'application/json');
    req.on('error', reject);
    req.end(body);
  });
  if (status !== 200) throw new Error(`setting the password through the invite link: HTTP ${status}`);
}

/**
 * The row closest to the baseline: the same `ssh -J`, with our proxy's SSH listener as the jump
 * host and our node as the target, authenticated with the key and certificate `tsh login` stored.
 */
async function opensshJumpRow({ dir, ports, cipher, kex, serverPid }) {
  const home = join(dir, 'tsh-home');
  const keys = join(home, 'keys', '127.0.0.1');
  // known_hosts trusts the host CA for *.cluster; the jump host is reached as 127.0.0.1.
  const [, , ...ca] = (await readFile(join(home, 'known_hosts'), 'utf8')).split('\n')[0].split(' ');
  await writeFile(join(dir, 'jump_known_hosts'), `@cert-authority * ${ca.slice(0, 2).join(' ')}\n`);
  const config = join(dir, 'jump_ssh_config');
  await writeFile(
    config,
    [
      'Host proxy',
      '  HostName 127.0.0.1',
      `  Port ${ports.proxySsh}`,
      `Host ${NODENAME}`,
      `  Port ${ports.node}`,
      '  ProxyJump proxy',
      'Host *',
      '  User root',
      `  IdentityFile ${join(keys, USER)}`,
      `  CertificateFile ${join(keys, `${USER}-ssh`, `${CLUSTER}-cert.pub`)}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(dir, 'jump_known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      `  Ciphers ${cipher}`,
      ...(kex ? [`  KexAlgorithms ${kex}`] : []),
      '',
    ].join('\n'),
  );
  return {
    side: 'ours',
    name: 'ssh -J (our proxy -> our node)',
    args: (command) => ['ssh', '-F', config, NODENAME, command],
    serverPids: () => [serverPid],
  };
}

/**
 * Starts the cluster pinned to `cipher` (and `kex` when given) in `dir`, recording sessions as
 * `recording` says (auth_service.session_recording), with user `bench` (role
 * access, login root) logged in with `tsh login` into a profile under `dir/tsh-home`. With
 * `profile`, teleport runs under `node --cpu-prof` and `close()` resolves to the profile's path;
 * `nodeFlags` are more flags for the node running teleport (experiments: GC settings).
 * Returns {rows, missing (the rows that cannot run yet, and why), pid, close(), and for the web
 * terminal benchmark: webAddr, cluster, nodename, user, env (tsh's environment); for the sessions
 * benchmark: ports (proxySsh, node, ...), keyPath and certPath (the user key and SSH certificate tsh stored)}.
 */
export async function startOurCluster({ dir, cipher, kex, recording = 'node', nodeFlags = [], profile = false, logins = ['root'] }) {
  await mkdir(dir, { recursive: true });
  const ports = {};
  for (const k of ['auth', 'web', 'proxySsh', 'tunnel', 'node']) ports[k] = await freePort();
  const dataDir = join(dir, 'data');
  const config = join(dir, 'teleport.yaml');
  await writeFile(config, teleportYaml({ dataDir, ports, cipher, kex, recording }));

  const profileDir = join(dir, 'cpu-profile');
  const profFlags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = startServer(process.execPath, [...nodeFlags, ...profFlags, bin('teleport'), 'start', '-c', config], {
    logFile: join(dir, 'teleport.log'),
  });
  const close = async () => {
    await stopServer(child, 15_000);
    const files = profile && existsSync(profileDir) ? await readdir(profileDir) : [];
    return files.length ? join(profileDir, files[0]) : undefined;
  };
  try {
    for (const k of ['auth', 'web', 'proxySsh', 'node']) await waitForPort(ports[k], { child });
    const tctl = (...args) => run(bin('tctl'), ['-c', config, ...args]);
    await retry(() => tctl('status'));
    const invite = await tctl('users', 'add', USER, '--roles=access', `--logins=${logins.join(',')}`);
    await acceptInvite(ports.web, invite.stdout);

    const env = { ...process.env, TELEPORT_HOME: join(dir, 'tsh-home') };
    const proxy = `127.0.0.1:${ports.web}`;
    await run(bin('tsh'), ['login', `--proxy=${proxy}`, `--user=${USER}`, '--insecure'], { env, input: `${PASSWORD}\n` });

    const jumpRow = await opensshJumpRow({ dir, ports, cipher, kex, serverPid: child.pid });
    // The node heartbeats itself into the inventory shortly after start.
    await retry(() => run(...splitArgv(jumpRow.args('true'))));
    const rows = [jumpRow];
    const missing = [];
    for (const make of [tshSshRow, opensshViaTshConfig]) {
      const row = await make({ dir, env, cipher, kex, nodePort: ports.node, serverPid: child.pid });
      if (row.missing) missing.push(row.missing);
      else rows.push(row);
    }
    // tsh cannot be told a cipher: its legs are pinned only if our servers offer nothing else.
    const offered = (await serverOffer(ports.proxySsh)).ciphers;
    if (offered[0] !== cipher) {
      const unpinned = `tsh's own legs used ${offered[0]} (our proxy offers ${offered.length} ciphers: teleport.ciphers is not applied)`;
      for (const row of rows.filter((r) => r.env)) row.note = [row.note, unpinned].filter(Boolean).join('; ');
    }
    const keys = join(dir, 'tsh-home', 'keys', '127.0.0.1');
    return {
      rows, missing, pid: child.pid, close, webAddr: proxy, cluster: CLUSTER, nodename: NODENAME, user: USER, env, ports,
      keyPath: join(keys, USER), certPath: join(keys, `${USER}-ssh`, `${CLUSTER}-cert.pub`),
    };
  } catch (err) {
    await close();
    throw new Error(`our cluster (log: ${join(dir, 'teleport.log')}): ${err.message}`, { cause: err });
  }
}

/** `[cmd, ...args]` as run()'s first two arguments. */
const splitArgv = ([cmd, ...args]) => [cmd, args];

/** A row that cannot run yet: what failed, in one line. */
function missingRow(name, result) {
  return { missing: `${name}: ${result.stderr.trim().split('\n').at(-1) || `exit ${result.code}`}` };
}

/** The `tsh ssh` row (tsh's own SSH client through the proxy), or why it cannot run. */
async function tshSshRow({ env, serverPid }) {
  const row = {
    side: 'ours',
    name: 'tsh ssh (proxy -> node)',
    env,
    args: (command) => row.argsWithTsh(command, bin('tsh')),
    argsWithTsh: (command, tsh) => [tsh, '--insecure', 'ssh', `root@${NODENAME}`, command],
    serverPids: () => [serverPid],
  };
  const check = await run(...splitArgv(row.args('true')), { env, allowFailure: true });
  return check.code === 0 ? row : missingRow(row.name, check);
}

/**
 * The `tsh config` row: `ssh -F <file tsh config wrote>` to the node through the proxy (its
 * ProxyCommand is `tsh proxy ssh`), the cipher pinned on the command line; or why it cannot run.
 */
async function opensshViaTshConfig({ dir, env, cipher, kex, nodePort, serverPid }) {
  const name = 'OpenSSH via tsh config';
  const out = await run(bin('tsh'), ['--insecure', 'config'], { env, allowFailure: true });
  if (out.code !== 0) return missingRow(name, out);
  const sshConfig = join(dir, 'tsh_ssh_config');
  await writeFile(sshConfig, out.stdout);
  const pin = ['-o', `Ciphers=${cipher}`, ...(kex ? ['-o', `KexAlgorithms=${kex}`] : [])];
  // tsh config says `Port 3022` (Teleport's default); our node listens on a random port, and the
  // proxy matches the port when one is given.
  const base = ['ssh', '-F', sshConfig, ...pin, '-p', String(nodePort)];
  const row = {
    side: 'ours',
    name,
    env,
    args: (command) => [...base, `root@${NODENAME}.${CLUSTER}`, command],
    // The ProxyCommand with another tsh (a profiling wrapper) in place of ours.
    argsWithTsh: (command, tsh) => {
      const proxyCommand = /ProxyCommand (.*)/.exec(out.stdout)[1].replace(`"${bin('tsh')}"`, tsh);
      return [...base, '-o', `ProxyCommand=${proxyCommand}`, `root@${NODENAME}.${CLUSTER}`, command];
    },
    serverPids: () => [serverPid],
  };
  let check = await run(...splitArgv(row.args('true')), { env, allowFailure: true });
  if (check.code !== 0 && /no matching host key type/.test(check.stderr)) {
    // tsh config's HostKeyAlgorithms names the host CA's key type, not the host key's: accept
    // OpenSSH's defaults too, and say so under the table.
    base.push('-o', 'HostKeyAlgorithms=+ecdsa-sha2-nistp256-cert-v01@openssh.com');
    row.note = `ran with -o HostKeyAlgorithms=+ecdsa-sha2-nistp256-cert-v01@openssh.com (${check.stderr.trim().split('\n').at(-1)})`;
    check = await run(...splitArgv(row.args('true')), { env, allowFailure: true });
  }
  return check.code === 0 ? row : missingRow(name, check);
}
