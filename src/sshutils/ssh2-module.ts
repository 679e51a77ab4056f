/**
 * ssh2, loaded on first use instead of at import: a CLI command that opens no SSH connection
 * (`tsh version`, `tsh status`, most of tctl) does not pay for loading it and its native binding.
 */
import { createRequire } from 'node:module';
import type * as SSH2Module from 'ssh2';

type SSH2 = typeof SSH2Module;

let loaded: SSH2 | undefined;

/** The ssh2 module (the patched one in node_modules). */
export function ssh2(): SSH2 {
  loaded ??= createRequire(import.meta.url)('ssh2') as SSH2;
  return loaded;
}
