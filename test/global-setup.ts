// Runs once before the suite: builds the CLI bundles that process-level tests execute.
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** How old pyenv's rehash lock must be before it is taken for one a killed shell left behind. */
const STALE_LOCK_MS = 120_000;

/**
 * Tests log in to their nodes as the current user, whose shells may run `pyenv init` from
 * ~/.bashrc (this machine's does). pyenv's rehash takes a lock file, and a shell killed while
 * holding it (tests end sessions abruptly) leaves it behind: every later shell then waits 60 s for
 * it. A lock older than any rehash takes is removed before the suite starts.
 */
function clearStalePyenvLock(): void {
  const lock = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'shims', '.pyenv-shim');
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
  } catch {
    // No pyenv, or no lock: nothing to do.
  }
}

export default function setup(): void {
  clearStalePyenvLock();
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
