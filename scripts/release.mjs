#!/usr/bin/env node
// `npm run release`: a self-contained release for Linux hosts with no Node.js, no compiler and no
// network but the proxy. The tarball carries this machine's Node.js runtime, the bundled CLIs
// (dist/), the web UI (web/dist) and the native modules already built here, in Teleport's tarball
// shape: release/teleport-v<version>-linux-<arch>-bin.tar.gz holding teleport/ with the programs
// teleport, tctl and tsh (shell launchers of the bundled runtime) and an `install` script.
// Prints the sizes and how long `teleport version` takes from the unpacked release.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = pkg.version;
const archName = { x64: 'amd64', arm64: 'arm64' }[arch()] ?? arch();
const name = `teleport-v${version}-linux-${archName}-bin.tar.gz`;
const outDir = join(root, 'release');
const stage = join(outDir, 'stage');
const top = join(stage, 'teleport');
const lib = join(top, 'lib');

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(top, 'bin'), { recursive: true });
mkdirSync(lib, { recursive: true });

// The runtime: this machine's node (it needs only glibc and libstdc++, present on every Debian).
cpSync(process.execPath, join(top, 'bin', 'node'));
// The bundles, without their source maps, and the web UI.
// tsh's bundle is the one dist/tsh.mjs names (earlier ones stay in dist/ a day for running tsh processes).
const tshBundle = /tsh-\w+\.cjs/.exec(readFileSync(join(root, 'dist', 'tsh.mjs'), 'utf8'))?.[0];
const oldTshBundle = (p) => /\/tsh-\w+\.cjs$/.test(p) && !p.endsWith(`/${tshBundle}`);
cpSync(join(root, 'dist'), join(lib, 'dist'), { recursive: true, filter: (p) => !p.endsWith('.map') && !p.endsWith('.build-stamp') && !oldTshBundle(p) });
if (existsSync(join(root, 'web', 'dist'))) cpSync(join(root, 'web', 'dist'), join(lib, 'web', 'dist'), { recursive: true });
writeFileSync(join(lib, 'package.json'), JSON.stringify({ name: pkg.name, version, private: true, type: 'module' }, null, 2) + '\n');

// The packages the bundles leave external (native addons and those that load files of their
// own), with everything they need at run time; build-only dependencies stay behind.
const external = ['better-sqlite3', '@node-rs/argon2', 'ssh2', 'node-pty', 'cpu-features', 'pino', 'thread-stream', 'etcd3'];
const BUILD_ONLY = new Set(['nan', 'node-addon-api', 'node-gyp', 'prebuild-install']);
const seen = new Set();
const visit = (name) => {
  if (seen.has(name) || BUILD_ONLY.has(name)) return;
  const dir = join(root, 'node_modules', name);
  if (!existsSync(dir)) return; // an optional dependency for another platform
  seen.add(name);
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) visit(dep);
};
external.forEach(visit);
// Sources, tests, docs, the objects of native builds and other platforms' prebuilt addons are not
// needed to run.
const SKIP = /\/(test|tests|docs?|examples?|benchmark|\.github|obj\.target|\.deps|deps|third_party|prebuilds\/(darwin|win32)[^/]*)\/|\.(md|map|c|cc|cpp|h|hpp|gyp|gypi)$|(?<!\.d)\.ts$/;
for (const name of [...seen].sort()) {
  const from = join(root, 'node_modules', name);
  cpSync(from, join(lib, 'node_modules', name), { recursive: true, dereference: true, filter: (p) => !SKIP.test(p.slice(from.length)) });
}

// Launchers: the bundled runtime runs the CLI, whatever node (if any) the host has.
for (const cli of ['teleport', 'tctl', 'tsh']) {
  const path = join(top, cli);
  writeFileSync(path, `#!/bin/sh\n# ${cli} from the teleport-ts ${version} release: runs on the Node.js runtime shipped beside it.\nhere=$(dirname "$(readlink -f "$0")")\nexec "$here/bin/node" "$here/lib/dist/${cli}.mjs" "$@"\n`);
  chmodSync(path, 0o755);
}
writeFileSync(join(top, 'VERSION'), `${version}\n`);
const install = join(top, 'install');
writeFileSync(
  install,
  `#!/bin/sh
# Installs this release: the files to \${PREFIX:-/usr/local}/lib/teleport-ts, the programs
# teleport, tctl and tsh linked into \${PREFIX:-/usr/local}/bin, and /var/lib/teleport.
set -eu
here=$(dirname "$(readlink -f "$0")")
prefix=\${PREFIX:-/usr/local}
dest="$prefix/lib/teleport-ts"
rm -rf "$dest.new"
mkdir -p "$dest.new" "$prefix/bin" /var/lib/teleport
cp -a "$here/." "$dest.new/"
rm -rf "$dest"
mv "$dest.new" "$dest"
for b in teleport tctl tsh; do ln -sf "$dest/$b" "$prefix/bin/$b"; done
chmod 700 /var/lib/teleport
echo "teleport-ts ${version} installed: $prefix/bin/teleport, tctl and tsh"
`,
);
chmodSync(install, 0o755);

const tarball = join(outDir, name);
execFileSync('tar', ['-czf', tarball, '-C', stage, 'teleport']);
const du = (p) => Number(execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0]);
const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

// Start time from the unpacked release, with no node on PATH (what a bare host sees).
const runs = [];
for (let i = 0; i < 5; i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(join(top, 'teleport'), ['version'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the release's teleport version failed: ${r.stderr}`);
  runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
runs.sort((a, b) => a - b);
process.stdout.write(
  [
    `release: ${tarball}`,
    `  tarball ${mb(statSync(tarball).size)}; unpacked ${mb(du(top))} (runtime ${mb(statSync(join(top, 'bin', 'node')).size)}, bundles and web UI ${mb(du(join(lib, 'dist')) + (existsSync(join(lib, 'web')) ? du(join(lib, 'web')) : 0))}, ${seen.size} packages ${mb(du(join(lib, 'node_modules')))})`,
    `  teleport version from the release: median ${runs[2].toFixed(0)} ms over 5 runs`,
    '',
  ].join('\n'),
);
if (!process.argv.includes('--keep')) rmSync(stage, { recursive: true, force: true });
