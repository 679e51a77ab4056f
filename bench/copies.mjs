#!/usr/bin/env node
// Copy benchmark: one large file and a tree of many small files, uploaded and downloaded, through
// our proxy and node against OpenSSH `scp -J` / `sftp -J` through a real sshd jump host to a real
// sshd. Same machine, same run, same cipher, the rows of one case taken in turn (A B C A B C ...)
// so that load from elsewhere falls on every row alike; medians, figures as ratios ours/OpenSSH.
//
//   node bench/copies.mjs [--size=200M] [--files=2000] [--runs=3] [--cases=big-up,big-down,tree-up,tree-down]
//                         [--only=<row>,<row>] [--cipher=aes128-gcm@openssh.com] [--login=tp-bench] [--keep]
//
// Rows (--only takes their short names):
//   scp-J        OpenSSH `scp -J` through sshd to sshd (the baseline of the scp rows)
//   sftp-J       OpenSSH `sftp -J` through sshd to sshd (the baseline of the sftp row)
//   scp-J-ours   the same `scp -J` with our proxy as the jump host and our node as the target
//   tsh-scp      `tsh scp`
//   scp-config   OpenSSH `scp` with the config `tsh config` writes (ProxyCommand `tsh proxy ssh`)
//   sftp-config  OpenSSH `sftp` the same way
// OpenSSH 9's scp speaks SFTP. Every copy logs in as a plain /bin/sh account (--login, created when
// missing) on both sides. Before the timed runs each row copies each case once and the result is
// checked (sha256 of the large file, every small file's bytes and mode), so a fast wrong copy
// cannot win. Times include starting the client and logging in (tsh's start, two handshakes).
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildDist, startOurCluster } from './cluster.mjs';
import { makeOpenSshKeys, openSshVersion, startOpenSshPair } from './openssh.mjs';
import { cpuSeconds, createCpuGroup, median, run, stopAll, writeJsonResults } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    size: { type: 'string', default: '200M' },
    files: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    cases: { type: 'string', default: 'big-up,big-down,tree-up,tree-down' },
    only: { type: 'string' },
    cipher: { type: 'string', default: 'aes128-gcm@openssh.com' },
    login: { type: 'string', default: 'tp-bench' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(
    [
      'usage: node bench/copies.mjs [--size=200M] [--files=2000] [--runs=3] [--cases=big-up,big-down,tree-up,tree-down]',
      '         [--only=scp-J,sftp-J,scp-J-ours,tsh-scp,scp-config,sftp-config] [--cipher=aes128-gcm@openssh.com]',
      '         [--login=tp-bench] [--keep]',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

/** `200M`, `1G`, `64K` or a byte count (binary units). */
function parseSize(text) {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  if (!m) throw new Error(`--size: expected a byte count like 200M, got ${text}`);
  return Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase());
}

const bigBytes = parseSize(opts.size);
const fileCount = Number(opts.files);
const runs = Number(opts.runs);
const cases = opts.cases.split(',').filter(Boolean);
for (const c of cases) if (!/^(big|tree)-(up|down)$/.test(c)) throw new Error(`--cases: unknown case ${c}`);
const wanted = opts.only ? new Set(opts.only.split(',')) : undefined;
const login = opts.login;
const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** The OS account the copies log in as (see bench/sessions.mjs: root's shell here is slow to start). */
async function ensureLogin() {
  try {
    await run('id', ['-u', login]);
  } catch {
    if (process.getuid?.() !== 0) throw new Error(`the login "${login}" does not exist: create it, or pass --login=<an existing account>`);
    // A password of '*' (none) rather than useradd's locked '!': sshd refuses locked accounts.
    await run('useradd', ['-m', '-s', '/bin/sh', '-p', '*', login]);
    log(`created the OS account ${login} (shell /bin/sh)`);
  }
  const { stdout } = await run('id', ['-u', login]);
  const { stdout: gid } = await run('id', ['-g', login]);
  return { uid: Number(stdout), gid: Number(gid) };
}

/** Small files: sizes 1 B .. 8 KiB, a spread of modes, 40 directories; readable by the login. */
const MODES = [0o644, 0o664, 0o755, 0o444];

/** The payloads under `dir`: big.bin (random bytes) and tree/ (`fileCount` small files). */
async function makePayloads(dir) {
  await mkdir(join(dir, 'tree'), { recursive: true, mode: 0o755 });
  const chunk = 4 * 1024 * 1024;
  const parts = [];
  for (let left = bigBytes; left > 0; left -= chunk) parts.push(randomBytes(Math.min(chunk, left)));
  await writeFile(join(dir, 'big.bin'), Buffer.concat(parts), { mode: 0o644 });
  const dirs = Math.max(1, Math.ceil(fileCount / 50));
  for (let d = 0; d < dirs; d++) await mkdir(join(dir, 'tree', `d${d}`), { mode: 0o755 });
  let total = 0;
  for (let i = 0; i < fileCount; i++) {
    const size = 1 + ((i * 2654435761) % 8192);
    total += size;
    const file = join(dir, 'tree', `d${i % dirs}`, `f${i}.dat`);
    await writeFile(file, randomBytes(size));
    await chmod(file, MODES[i % MODES.length]);
  }
  return { treeBytes: total };
}

async function sha256(file) {
  const h = createHash('sha256');
  for await (const b of createReadStream(file)) h.update(b);
  return h.digest('hex');
}

/** Every file under `root` as `relative path -> {mode, sha}` (directories as mode only). */
async function treeDigest(root) {
  const out = new Map();
  const walk = async (rel) => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const s = await stat(join(root, r));
      if (e.isDirectory()) {
        out.set(r, { mode: s.mode & 0o7777 });
        await walk(r);
      } else {
        out.set(r, { mode: s.mode & 0o7777, sha: createHash('sha256').update(await readFile(join(root, r))).digest('hex') });
      }
    }
  };
  await walk('');
  return out;
}

/** Throws unless `got` holds what `want` does (same paths, bytes and modes). */
function sameTree(want, got, what) {
  // Without -p OpenSSH applies the umask (022) to new files and keeps them writable for the
  // owner on download; tsh scp keeps modes whole. Bytes must match exactly.
  const masked = (mode) => (mode | 0o200) & ~0o022;
  for (const [path, w] of want) {
    const g = got.get(path);
    if (!g) throw new Error(`${what}: ${path} is missing`);
    if (g.sha !== w.sha) throw new Error(`${what}: ${path} differs`);
    if (masked(g.mode) !== masked(w.mode)) throw new Error(`${what}: ${path} has mode ${g.mode.toString(8)}, not ${w.mode.toString(8)}`);
  }
  if (got.size !== want.size) throw new Error(`${what}: ${got.size} entries, expected ${want.size}`);
}

// Client CPU: a cgroup holding the clients (with ProxyJump and ProxyCommand processes, which
// OpenSSH does not reap), else the CPU of the children we reaped.
const clientGroup = createCpuGroup(`bench-copies-${process.pid}`);
const clientCpu = () => clientGroup?.seconds() ?? cpuSeconds(process.pid, { children: true });
const inClientGroup = (argv) => clientGroup?.wrap(argv) ?? argv;

/**
 * One row: `copy(kind, direction, src, dst)` returns the argv (and env) of the client that copies
 * `src` to `dst` (local paths; the remote ones are the same paths on this machine, reached through
 * the row's SSH path). `serverPids()` are the processes whose CPU is the server side.
 */
function scpRow(key, name, baseline, scpArgs, host, serverPids, env) {
  return {
    key,
    name,
    baseline,
    env,
    serverPids,
    copy: (kind, direction, src, dst) => {
      const flags = ['-q', ...(kind === 'tree' ? ['-r'] : [])];
      return direction === 'up' ? [...scpArgs, ...flags, src, `${login}@${host}:${dst}`] : [...scpArgs, ...flags, `${login}@${host}:${src}`, dst];
    },
  };
}

function sftpRow(key, name, baseline, sftpArgs, host, serverPids, env, batchDir) {
  let n = 0;
  return {
    key,
    name,
    baseline,
    env,
    serverPids,
    copy: async (kind, direction, src, dst) => {
      const batch = join(batchDir, `batch-${key}-${n++}`);
      const r = kind === 'tree' ? ' -r' : '';
      await writeFile(batch, direction === 'up' ? `put${r} ${src} ${dst}\n` : `get${r} ${src} ${dst}\n`);
      return [...sftpArgs, '-q', '-b', batch, `${login}@${host}`];
    },
  };
}

/** The rows through OpenSSH's two sshd. */
async function opensshRows(work, keys) {
  const pair = await startOpenSshPair({ dir: join(work, 'openssh'), keys, cipher: opts.cipher, kex: 'curve25519-sha256' });
  const pids = () => pair.pids;
  return {
    close: pair.close,
    rows: [
      scpRow('scp-J', 'scp -J (sshd jump -> sshd)', undefined, ['scp', '-F', pair.clientConfig], 'node', pids),
      sftpRow('sftp-J', 'sftp -J (sshd jump -> sshd)', undefined, ['sftp', '-F', pair.clientConfig], 'node', pids, undefined, work),
    ],
  };
}

/** The rows through our proxy and node. */
async function ourRows(work) {
  const dir = join(work, 'ours');
  const cluster = await startOurCluster({ dir, cipher: opts.cipher, kex: 'curve25519-sha256', recording: 'node', logins: ['root', login] });
  const pids = () => [cluster.pid];
  const env = cluster.env;
  const jumpConfig = cluster.rows[0].args('true')[2];
  const tsh = join(import.meta.dirname, '..', 'bin', 'tsh');
  // OpenSSH with the config `tsh config` writes: the port and cipher on the command line (tsh
  // config says Port 3022, our node listens on a random port), host key types as the ssh row found.
  const viaConfig = cluster.rows.find((r) => r.name === 'OpenSSH via tsh config');
  const rows = [scpRow('scp-J-ours', 'scp -J (our proxy -> our node)', 'scp-J', ['scp', '-F', jumpConfig], cluster.nodename, pids)];
  rows.push({
    key: 'tsh-scp',
    name: 'tsh scp',
    baseline: 'scp-J',
    env,
    serverPids: pids,
    copy: (kind, direction, src, dst) => {
      const flags = ['-q', ...(kind === 'tree' ? ['-r'] : [])];
      const remote = (p) => `${login}@${cluster.nodename}:${p}`;
      return [tsh, '--insecure', 'scp', ...flags, direction === 'up' ? src : remote(src), direction === 'up' ? remote(dst) : dst];
    },
  });
  if (viaConfig) {
    // ssh's argv: ssh -F <config> [-o ...]... -p <port> [-o HostKeyAlgorithms=...] <host> <command>.
    const argv = viaConfig.args('true').slice(1, -2);
    const at = argv.indexOf('-p');
    const common = [...argv.slice(0, at), '-P', argv[at + 1], ...argv.slice(at + 2)];
    const host = `${cluster.nodename}.${cluster.cluster}`;
    rows.push(scpRow('scp-config', 'scp via tsh config', 'scp-J', ['scp', ...common], host, pids, env));
    rows.push(sftpRow('sftp-config', 'sftp via tsh config', 'sftp-J', ['sftp', ...common], host, pids, env, work));
  } else {
    log(`no "tsh config" rows: ${cluster.missing.join('; ')}`);
  }
  return { close: cluster.close, rows };
}

/**
 * Copies `kind` in `direction` with `row` once; returns {ms, clientCpu, serverCpu} and, with
 * `check`, verifies what arrived. Removes the copy afterwards.
 */
async function sample(row, kind, direction, paths, check) {
  const src = kind === 'big' ? paths.big : paths.tree;
  const dst = direction === 'up' ? join(paths.remote, `${row.key}-${kind}`) : join(paths.local, `${row.key}-${kind}`);
  const source = direction === 'up' ? src : kind === 'big' ? paths.remoteBig : paths.remoteTree;
  const [cmd, ...args] = inClientGroup(await row.copy(kind, direction, source, dst));
  const serverCpu = () => row.serverPids().reduce((sum, pid) => sum + cpuSeconds(pid) + cpuSeconds(pid, { children: true }), 0);
  const [c0, s0] = [clientCpu(), serverCpu()];
  const { ms } = await run(cmd, args, { env: row.env });
  // sshd reaps its per-connection processes just after the client has gone.
  await sleep(200);
  const result = { ms, clientCpu: clientCpu() - c0, serverCpu: serverCpu() - s0 };
  if (check) {
    const what = `${row.name}, ${kind}-${direction}`;
    if (kind === 'big') {
      if ((await sha256(dst)) !== paths.bigSha) throw new Error(`${what}: the copy's sha256 differs from the source's`);
    } else {
      sameTree(paths.treeDigest, await treeDigest(dst), what);
    }
  }
  await rm(dst, { recursive: true, force: true });
  return result;
}

function formatTable(results, bytesOf) {
  const header = ['case', 'path', 'MB/s', 'x baseline', 'median s', 'client CPU s', 'server CPU s'];
  const lines = [header];
  for (const c of cases) {
    const [kind] = c.split('-');
    for (const r of results.filter((x) => x.case === c)) {
      const base = r.baseline && results.find((x) => x.case === c && x.key === r.baseline);
      const mbps = bytesOf[kind] / 1e6 / (r.ms / 1000);
      lines.push([
        c,
        r.name,
        mbps.toFixed(1),
        base ? `${(base.ms / r.ms).toFixed(2)} (of ${r.baseline})` : '',
        (r.ms / 1000).toFixed(2),
        r.clientCpu.toFixed(2),
        r.serverCpu.toFixed(2),
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(lines[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.slice(1).map(fmt)].join('\n');
}

const work = await mkdtemp(join(tmpdir(), 'bench-copies-'));
const closers = [];
try {
  log(`working in ${work}`);
  await chmod(work, 0o755);
  const owner = await ensureLogin();
  await buildDist();
  const data = join(work, 'data');
  const { treeBytes } = await makePayloads(data);
  const paths = {
    big: join(data, 'big.bin'),
    tree: join(data, 'tree'),
    // Downloads read the same payloads (readable by the login) through the remote side.
    remoteBig: join(data, 'big.bin'),
    remoteTree: join(data, 'tree'),
    remote: join(work, 'remote'),
    local: join(work, 'local'),
    bigSha: await sha256(join(data, 'big.bin')),
    treeDigest: await treeDigest(join(data, 'tree')),
  };
  await mkdir(paths.remote, { mode: 0o755 });
  await chown(paths.remote, owner.uid, owner.gid);
  await mkdir(paths.local);
  log(`payloads: big.bin ${bigBytes} bytes, tree/ ${fileCount} files (${treeBytes} bytes)`);

  const keys = await makeOpenSshKeys(join(work, 'openssh-keys'));
  // The user certificate names the login too.
  await run('ssh-keygen', ['-q', '-s', join(keys, 'user_ca'), '-I', 'bench', '-n', `root,${login}`, '-V', '+1d', join(keys, 'user.pub')]);
  const rows = [];
  for (const start of [opensshRows, ourRows]) {
    const side = await start(work, keys);
    closers.push(side.close);
    rows.push(...side.rows);
  }
  const chosen = rows.filter((r) => !wanted || wanted.has(r.key));
  log(`rows: ${chosen.map((r) => r.key).join(', ')}; cases: ${cases.join(', ')}; ${runs} runs each`);

  const results = [];
  for (const c of cases) {
    const [kind, direction] = c.split('-');
    for (const row of chosen) await sample(row, kind, direction, paths, true);
    const samples = chosen.map(() => ({ ms: [], clientCpu: [], serverCpu: [] }));
    for (let i = 0; i < runs; i++) {
      for (const [j, row] of chosen.entries()) {
        const s = await sample(row, kind, direction, paths, false);
        for (const k of Object.keys(s)) samples[j][k].push(s[k]);
      }
    }
    chosen.forEach((row, j) => {
      const r = { case: c, key: row.key, name: row.name, baseline: row.baseline, ...Object.fromEntries(Object.entries(samples[j]).map(([k, xs]) => [k, median(xs)])) };
      results.push(r);
      log(`${c} ${row.key}: ${(r.ms / 1000).toFixed(2)} s`);
    });
  }
  await writeJsonResults({ bench: 'copies', results });
  process.stdout.write(
    [
      `machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${await openSshVersion()}`,
      `load average (1/5/15 min) at start ${loadAtStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
      `cipher ${opts.cipher}, kex curve25519-sha256; big: ${bigBytes} bytes; tree: ${fileCount} files, ${treeBytes} bytes; login ${login}; ${runs} runs per row, medians`,
      `client CPU from ${clientGroup ? 'a cpuacct cgroup' : 'reaped children only (ProxyCommand/ProxyJump not counted)'}; our session recording: node`,
      '',
      formatTable(results, { big: bigBytes, tree: treeBytes }),
      '',
      'x baseline = baseline time / this row\'s time: above 1 is faster than OpenSSH. Times include client start and login.',
      '',
    ].join('\n'),
  );
} finally {
  for (const close of closers.reverse()) await close();
  await stopAll();
  await clientGroup?.remove();
  if (opts.keep) log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
