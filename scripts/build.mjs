// Bundles the three CLIs into dist/ with esbuild so they start fast: dist/<cli>.mjs each (what
// bin/* import), with the code they share and the code loaded only by some commands (import())
// in dist/chunks/, so that `tsh ssh` does not load what `tsh login` or `tctl` need. Native modules
// stay external. Skips work when dist/ is newer than every source file.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// tsh is built apart (buildTsh): one CommonJS file, so that it can start from V8's code cache.
const allEntries = { teleport: 'src/cli/teleport/main.ts', tctl: 'src/cli/tctl/main.ts' };
const entries = Object.fromEntries(Object.entries(allEntries).filter(([, p]) => existsSync(join(root, p))));
const stampFile = join(root, 'dist', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (name.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!name.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const force = process.argv.includes('--force');
const srcTime = Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs);
const cliFresh = !force && existsSync(stampFile) && statSync(stampFile).mtimeMs > srcTime;

mkdirSync(join(root, 'dist'), { recursive: true });
if (!cliFresh && Object.keys(entries).length > 0) await buildCLIs();
if (!cliFresh && existsSync(join(root, 'src/cli/tsh/main.ts'))) await buildTsh();
if (!cliFresh) writeFileSync(stampFile, String(Date.now()));
await buildWeb();

async function buildCLIs() {
  const started = Date.now();
  const result = await build({
    absWorkingDir: root,
    metafile: true,
    entryPoints: entries,
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Native addons and packages that load files relative to themselves stay in node_modules.
    external: ['better-sqlite3', '@node-rs/argon2', 'ssh2', 'node-pty', 'cpu-features', 'pino', 'thread-stream', 'etcd3'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  pruneChunks(result.metafile);
  process.stderr.write(`build: dist/ bundled in ${Date.now() - started} ms\n`);
}

/**
 * tsh as one CommonJS file named by its content hash (dist/tsh-<hash>.cjs: its code-cache files
 * are named after it, so a rebuilt tsh never meets a stale cache), and dist/tsh.mjs, the small
 * loader that runs it from V8's code cache (src/cli/code-cache.ts). Code that tsh loads only for
 * some commands (import()) stays lazy: esbuild evaluates those modules on first import.
 */
async function buildTsh() {
  const started = Date.now();
  const result = await build({
    absWorkingDir: root,
    metafile: true,
    entryPoints: { tsh: 'src/cli/tsh/main.ts' },
    entryNames: '[name]-[hash]',
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: 'warning',
    external: ['better-sqlite3', '@node-rs/argon2', 'ssh2', 'node-pty', 'cpu-features', 'pino', 'thread-stream', 'etcd3'],
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const bundle = Object.keys(result.metafile.outputs).find((p) => p.endsWith('.cjs'));
  await build({
    absWorkingDir: root,
    entryPoints: { tsh: 'src/cli/tsh/cached-main.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    define: { TSH_BUNDLE: JSON.stringify(`./${bundle.replace(/^dist\//, '')}`) },
  });
  rmSync(join(root, 'dist', 'tsh.mjs.map'), { force: true });
  // Earlier bundles, once a day old (a tsh started from one may still be reading it).
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(join(root, 'dist'))) {
    const p = join(root, 'dist', name);
    if (/^tsh-\w+\.cjs(\.map)?$/.test(name) && p !== join(root, bundle) && p !== join(root, `${bundle}.map`) && statSync(p).mtimeMs < dayAgo) rmSync(p, { force: true });
  }
  process.stderr.write(`build: dist/${bundle.replace(/^dist\//, '')} bundled in ${Date.now() - started} ms\n`);
}

/**
 * Removes chunks this build did not write once they are a day old. Not at once: a process started
 * from an earlier build (a teleport daemon, a test's tsh) may still import() one of its chunks.
 */
function pruneChunks(metafile) {
  const dir = join(root, 'dist', 'chunks');
  const current = new Set(Object.keys(metafile.outputs).map((p) => p.replace(/^dist\/chunks\//, '')));
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (!current.has(name) && statSync(join(dir, name)).mtimeMs < dayAgo) rmSync(join(dir, name), { force: true });
  }
}

// The web UI: Vite builds web/ into web/dist (served by the proxy at /web) when its sources, or
// the wire types it shares from src/api, changed since the last build.
async function buildWeb() {
  const web = join(root, 'web');
  if (!existsSync(join(web, 'index.html'))) return;
  const webStamp = join(web, 'dist', '.build-stamp');
  const inputs = [join(web, 'src'), join(web, 'public'), join(web, 'index.html'), join(web, 'vite.config.ts'), join(web, 'package.json'), join(root, 'src', 'api')];
  const webTime = Math.max(...inputs.filter(existsSync).map((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)));
  if (!force && existsSync(webStamp) && statSync(webStamp).mtimeMs > webTime) return;
  const started = Date.now();
  const vite = await import('vite');
  await vite.build({ root: web, configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(webStamp, String(Date.now()));
  process.stderr.write(`build: web/dist built in ${Date.now() - started} ms\n`);
}
