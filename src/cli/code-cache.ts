/**
 * Starting a CLI from its one-file CommonJS bundle with V8's code cache (Node 20 has no compile
 * cache of its own): the bundle is compiled through `vm.Script` with the bytecode a previous run
 * of the same command saved, so that V8 neither parses the bundle nor compiles the functions that
 * command runs again. scripts/build.mjs builds this file as `dist/tsh.mjs`, the bundle beside it.
 *
 * Caches live in a directory of the user's (`~/.tsh/cache/v8`, under $TELEPORT_HOME when set), one
 * file per bundle, Node version and command, written once (atomically) by the first run that had
 * none or whose cache V8 rejected (another V8, other flags). A bundle rebuilt has another name, so
 * a stale cache is never offered for it. Any failure to read or write a cache only costs the
 * compile it would have saved.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script, constants as vmConstants } from 'node:vm';

/** What to run and where its caches go. */
export interface CachedBundle {
  /** Absolute path of the CommonJS bundle; its name must change whenever its content does. */
  path: string;
  /** Names the cache among a bundle's: the command being run. */
  variant: string;
  /** Directory for the caches (created 0700); undefined runs without one. */
  cacheDir: string | undefined;
}

/** Loads and runs the bundle as a CommonJS module, with its code cache when there is a usable one. */
export function runCachedBundle(b: CachedBundle): void {
  const source = readFileSync(b.path, 'utf8');
  const name = b.path.slice(b.path.lastIndexOf('/') + 1);
  const cacheFile = b.cacheDir && join(b.cacheDir, `${name}-${process.version}-${process.arch}-${b.variant}.v8`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    // None yet.
  }
  const script = new Script(Module.wrap(source), {
    filename: b.path,
    ...(cachedData && { cachedData }),
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    // At exit the cache holds every function this command compiled, not just the top level.
    process.once('exit', () => saveCache(cacheFile, script, name));
  }
  const mod = { exports: {} };
  const fn = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  fn(mod.exports, createRequire(b.path), mod, b.path, dirname(b.path));
}

/** Writes the cache of `script` to `file`, and removes the caches of other bundles than `bundle`. */
function saveCache(file: string, script: Script, bundle: string): void {
  try {
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, file);
    for (const old of readdirSync(dir)) if (!old.startsWith(`${bundle}-`)) rmSync(join(dir, old), { force: true });
  } catch {
    // A read-only home: run without a cache.
  }
}

/** The tsh cache directory: `$TELEPORT_HOME/cache/v8`, else `~/.tsh/cache/v8`; undefined without a home. */
export function tshCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.TELEPORT_HOME || (homedir() ? join(homedir(), '.tsh') : '');
  return home ? join(home, 'cache', 'v8') : undefined;
}

/** The cache variant of an argv: the first word that is not a flag when it looks like a command, else `other`. */
export function commandVariant(argv: string[]): string {
  const word = argv.find((a) => !a.startsWith('-'));
  return word && /^[a-z]{1,12}$/.test(word) ? word : 'other';
}
