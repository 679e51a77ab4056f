// Our side of the benchmark: a one-process cluster (auth + proxy + node) started with
// `./bin/teleport start -c <temp config>` on random 127.0.0.1 ports with a temp data dir and the
// cipher pinned in `teleport.ciphers`, a user `bench` with login root, and an identity file from
// `tctl auth sign`. Rows: `tsh ssh` and OpenSSH through `tsh config`.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, run, startServer, stopServer, waitForPort } from './run.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(ROOT, 'bin', name);
const NODENAME = 'bench-node';
const USER = 'bench';

/** Builds dist/ (a no-op when it is newer than the sources): bin/* run the bundles. */
export async function buildDist() {
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);
}

function teleportYaml({ dataDir, ports, cipher, kex }) {
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
    '  cluster_name: bench.localhost',
    `  listen_addr: 127.0.0.1:${ports.auth}`,
    '  authentication: {type: local, second_factor: off}',
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
async function retry(fn, timeoutMs = 30_000) {
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
 * Starts the cluster pinned to `cipher` (and `kex` when given) in `dir`. With `profile`, teleport runs under
 * `node --cpu-prof` and `close()` resolves to the profile's path. Returns {rows, pid, close()}.
 */
export async function startOurCluster({ dir, cipher, kex, profile = false }) {
  await mkdir(dir, { recursive: true });
  const ports = {};
  for (const k of ['auth', 'web', 'proxySsh', 'tunnel', 'node']) ports[k] = await freePort();
  const dataDir = join(dir, 'data');
  const config = join(dir, 'teleport.yaml');
  await writeFile(config, teleportYaml({ dataDir, ports, cipher, kex }));

  const profileDir = join(dir, 'cpu-profile');
  const nodeFlags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = startServer(process.execPath, [...nodeFlags, bin('teleport'), 'start', '-c', config], {
    logFile: join(dir, 'teleport.log'),
  });
  const close = async () => {
    await stopServer(child, 15_000);
    if (!profile) return undefined;
    const { readdir } = await import('node:fs/promises');
    const files = existsSync(profileDir) ? await readdir(profileDir) : [];
    return files.length ? join(profileDir, files[0]) : undefined;
  };
  try {
    for (const k of ['auth', 'web', 'proxySsh', 'node']) await waitForPort(ports[k], { child });
    const tctl = (...args) => run(bin('tctl'), ['-c', config, ...args]);
    await retry(() => tctl('status'));
    await tctl('users', 'add', USER, '--roles=access', '--logins=root');
    const identity = join(dir, 'bench-identity.pem');
    await tctl('auth', 'sign', `--user=${USER}`, `--out=${identity}`, '--overwrite');

    const proxy = `127.0.0.1:${ports.web}`;
    const tsh = (...args) => [bin('tsh'), '-i', identity, `--proxy=${proxy}`, '--insecure', ...args];
    const tshRow = {
      side: 'ours',
      name: 'tsh ssh (proxy -> node)',
      args: (command) => tsh('ssh', `root@${NODENAME}`, command),
      serverPids: () => [child.pid],
    };
    // The node heartbeats itself into the inventory shortly after start.
    await retry(async () => {
      const [cmd, ...args] = tshRow.args('true');
      await run(cmd, args);
    });
    const rows = [tshRow];
    const opensshRow = await opensshViaTshConfig({ dir, tsh, serverPid: child.pid });
    if (opensshRow) rows.push(opensshRow);
    return { rows, pid: child.pid, close };
  } catch (err) {
    await close();
    throw new Error(`our cluster (log: ${join(dir, 'teleport.log')}): ${err.message}`, { cause: err });
  }
}

/**
 * The OpenSSH row: `ssh -F <file written by tsh config>` to the node, through the proxy. Returns
 * undefined (the row is skipped, with a note) while `tsh config` is not there.
 */
async function opensshViaTshConfig({ dir, tsh, serverPid }) {
  const [cmd, ...args] = tsh('config');
  const out = await run(cmd, args, { allowFailure: true });
  if (out.code !== 0) {
    process.stderr.write(`bench: skipping OpenSSH via tsh config: ${out.stderr.trim().split('\n')[0]}\n`);
    return undefined;
  }
  const sshConfig = join(dir, 'ssh_config');
  await writeFile(sshConfig, out.stdout);
  return {
    side: 'ours',
    name: 'OpenSSH via tsh config',
    args: (command) => ['ssh', '-F', sshConfig, `root@${NODENAME}.bench.localhost`, command],
    serverPids: () => [serverPid],
  };
}
