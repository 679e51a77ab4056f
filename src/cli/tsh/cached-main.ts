/**
 * `dist/tsh.mjs`: runs tsh's CommonJS bundle (built beside it, named by its content hash) with
 * V8's code cache of the command being run (code-cache.ts), which spares most of the time Node
 * spends compiling tsh at each start.
 */
import { fileURLToPath } from 'node:url';
import { commandVariant, runCachedBundle, tshCacheDir } from '../code-cache.js';

/** The bundle's file name, set by scripts/build.mjs. */
declare const TSH_BUNDLE: string;

runCachedBundle({
  path: fileURLToPath(new URL(TSH_BUNDLE, import.meta.url)),
  variant: commandVariant(process.argv.slice(2)),
  cacheDir: tshCacheDir(process.env),
});
