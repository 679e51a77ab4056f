// bin/tsh starts from V8's code cache (src/cli/code-cache.ts): the first run of a command writes
// its cache under $TELEPORT_HOME/cache/v8, and a cache V8 cannot use (here: garbage of the right
// name) is refused and written again, never run.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const TSH = resolve('bin/tsh');
const run = promisify(execFile);

describe('tsh code cache', () => {
  let home = '';
  afterAll(() => rm(home, { recursive: true, force: true }));

  it('writes the cache of a command on its first run and refuses one it cannot use', async () => {
    home = await mkdtemp(join(tmpdir(), 'tsh-cache-'));
    const env = { ...process.env, TELEPORT_HOME: home };
    const first = await run(TSH, ['version'], { env });
    expect(first.stdout).toMatch(/^Teleport v/);
    const dir = join(home, 'cache', 'v8');
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^tsh-\w+\.cjs-v\d+\.\d+\.\d+-\w+-version\.v8$/);
    const good = await readFile(join(dir, files[0]));
    expect(good.length).toBeGreaterThan(1000);

    await writeFile(join(dir, files[0]), Buffer.alloc(good.length, 0x5a));
    const again = await run(TSH, ['version'], { env });
    expect(again.stdout).toBe(first.stdout);
    const rewritten = await readFile(join(dir, files[0]));
    expect(rewritten.equals(Buffer.alloc(good.length, 0x5a))).toBe(false);

    await run(TSH, ['status'], { env }).catch((err: { stderr: string }) => expect(err.stderr).toContain('Not logged in'));
    expect((await readdir(dir)).sort()).toEqual([files[0].replace('-version.', '-status.'), files[0]].sort());
  }, 60_000);
});
