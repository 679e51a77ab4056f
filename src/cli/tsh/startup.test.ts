// What `tsh` loads before running any command: its static import graph (as scripts/build.mjs
// bundles it) must not reach the X.509 library or zod, which cost a tenth of a second or more to
// initialise and which `tsh ssh` and `tsh proxy ssh` do not need (`tsh status` and `tsh login`
// import them when they run). ssh2 is loaded on first use, not imported.
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

/** The modules reachable from `entry` through static imports (dynamic import() not followed). */
async function staticGraph(entry: string): Promise<Set<string>> {
  const r = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outdir: 'out',
    logLevel: 'silent',
    external: ['better-sqlite3', '@node-rs/argon2', 'node-pty', 'cpu-features', 'pino', 'thread-stream', 'etcd3'],
  });
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const imp of r.metafile.inputs[queue.shift()!]?.imports ?? []) {
      if (imp.kind === 'dynamic-import' || seen.has(imp.path)) continue;
      seen.add(imp.path);
      queue.push(imp.path);
    }
  }
  return seen;
}

describe('tsh startup', () => {
  it('does not load the X.509 library, zod or ssh2 before a command needs them', async () => {
    const graph = [...(await staticGraph('src/cli/tsh/main.ts'))];
    for (const heavy of ['node_modules/@peculiar/x509/', 'node_modules/zod/', 'node_modules/ssh2/', 'src/tlsca/']) {
      expect(graph.filter((m) => m.includes(heavy)), heavy).toEqual([]);
    }
    // Sanity: the graph is the real one (the ssh and proxy ssh commands are in it).
    expect(graph).toContain('src/cli/tsh/ssh.ts');
    expect(graph).toContain('src/cli/tsh/proxy-ssh.ts');
  }, 30_000);
});
