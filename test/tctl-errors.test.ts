/**
 * tctl's bad-input paths: each prints one clear `ERROR: ...`, exits 1 and changes nothing. Also the
 * identity-file paths (-i), including an identity from another cluster.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

let a: TestCluster;
let b: TestCluster;
let dir: string;

async function tctlRaw(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: dir });
  const code = await runTctl(args, cap.io);
  return { code, out: cap.out(), err: cap.err() };
}
const tctl = (...args: string[]) => tctlRaw(['-c', a.configPath, ...args]);

async function roleNames(): Promise<string[]> {
  return (await (await a.admin()).listResources<{ metadata: { name: string } }>('role')).map((r) => r.metadata.name).sort();
}

beforeAll(async () => {
  [a, b] = await Promise.all([startCluster({ clusterName: 'a.example.com' }), startCluster({ clusterName: 'b.example.com' })]);
  dir = mkdtempSync(join(tmpdir(), 'tctl-err-'));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const role = (name: string, allow: string) => `kind: role\nversion: v7\nmetadata:\n  name: ${name}\nspec:\n  allow:\n${allow}`;

describe('tctl create refuses bad resources and writes nothing', () => {
  const cases: Array<{ name: string; text: string; error: RegExp }> = [
    { name: 'malformed YAML', text: 'kind: role\nversion: v7\nmetadata:\n  name: [broken\nspec: {}\n', error: /^ERROR: bad\.yaml: document 1: YAML syntax error at line \d+/ },
    { name: 'an unknown kind', text: 'kind: spaceship\nversion: v1\nmetadata:\n  name: x\n', error: /^ERROR: bad\.yaml: document 1: unsupported resource kind "spaceship"/ },
    { name: "a '*': 'x' label selector", text: role('bad1', "    node_labels:\n      '*': 'x'\n"), error: /^ERROR: bad\.yaml: document 1 \(kind: role\): .*node_labels/ },
    { name: "'*' in logins", text: role('bad2', "    logins: ['*']\n"), error: /^ERROR: bad\.yaml: document 1 \(kind: role\): .*logins/ },
    {
      name: 'a valid document followed by a bad one',
      text: role('good1', '    logins: [ok]\n') + '---\n' + role('bad3', "    logins: ['*']\n"),
      error: /^ERROR: bad\.yaml: document 2 \(kind: role\)/,
    },
  ];
  for (const tc of cases) {
    it(`${tc.name}`, async () => {
      const before = await roleNames();
      writeFileSync(join(dir, 'bad.yaml'), tc.text);
      const r = await tctl('create', 'bad.yaml');
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(tc.error);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(await roleNames()).toEqual(before);
    });
  }
});

describe('tctl refuses other bad input', () => {
  it('create of an existing role without -f', async () => {
    writeFileSync(join(dir, 'access.yaml'), role('access', '    logins: [x]\n'));
    const r = await tctl('create', 'access.yaml');
    expect(r).toMatchObject({ code: 1, out: '', err: 'ERROR: role "access" already exists, use -f or --force flag to override\n' });
    const access = await (await a.admin()).getResource<{ spec: { allow: { logins?: string[] } } }>('role', 'access');
    expect(access.spec.allow.logins).toEqual(['{{internal.logins}}']);
  });

  it('rm of a missing role, and get of an unknown kind', async () => {
    expect(await tctl('rm', 'role/nosuch')).toMatchObject({ code: 1, out: '', err: 'ERROR: role "nosuch" doesn\'t exist\n' });
    const g = await tctl('get', 'spaceships');
    expect(g.code).toBe(1);
    expect(g.err).toMatch(/^ERROR: unsupported resource kind "spaceships" \(supported: .*role.*\)\n$/);
  });

  it('users add with a role that does not exist', async () => {
    const r = await tctl('users', 'add', 'carol', '--roles=nosuchrole');
    expect(r).toMatchObject({ code: 1, out: '', err: 'ERROR: role "nosuchrole" is not found\n' });
    await expect((await a.admin()).getResource('user', 'carol')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a missing config file names it and says what to do', async () => {
    const r = await tctlRaw(['-c', join(dir, 'missing.yaml'), 'status']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ERROR: config file ${join(dir, 'missing.yaml')} does not exist; pass the auth server's teleport.yaml with -c <path>\n`);
  });

  it('a data dir without the admin identity asks whether this is the auth server host', async () => {
    const cfg = join(dir, 'other.yaml');
    writeFileSync(cfg, `version: v3\nteleport:\n  data_dir: ${join(dir, 'empty-data')}\n`);
    const r = await tctlRaw(['-c', cfg, 'status']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`admin identity file ${join(dir, 'empty-data', 'admin-identity.pem')} does not exist`);
    expect(r.err).toContain("is this the auth server's host? run tctl as the user that runs teleport");
  });

  it('unknown flags and missing arguments are usage errors', async () => {
    const r = await tctl('tokens', 'add', '--type=node', '--bogus');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/ERROR: unknown long flag '--bogus'\n$/);
    const m = await tctl('users', 'add');
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/ERROR: required argument 'account' not provided\n$/);
  });
});

describe('tctl with an identity file (-i)', () => {
  let idA: string;
  let idB: string;
  beforeAll(async () => {
    for (const [c, file] of [
      [a, 'a.pem'],
      [b, 'b.pem'],
    ] as const) {
      const cap = captureIO({ env: {}, cwd: dir });
      expect(await runTctl(['-c', c.configPath, 'users', 'add', 'ops', '--roles=editor'], cap.io)).toBe(0);
      const sign = captureIO({ env: {}, cwd: dir });
      expect(await runTctl(['-c', c.configPath, 'auth', 'sign', '--user=ops', `--out=${file}`], sign.io)).toBe(0);
    }
    idA = join(dir, 'a.pem');
    idB = join(dir, 'b.pem');
  });

  it('works against its own cluster', async () => {
    const r = await tctlRaw(['-i', idA, '--auth-server', a.authAddr, 'users', 'ls']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ops +editor +$/m);
  });

  it('needs --auth-server', async () => {
    const r = await tctlRaw(['-i', idA, 'users', 'ls']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ERROR: an identity file \(-i .*a\.pem\) needs the address of the auth server: add --auth-server=<host:port>\n$/);
  });

  it("is refused by another cluster's auth server with a message about the certificate authority", async () => {
    const r = await tctlRaw(['-i', idB, '--auth-server', a.authAddr, 'users', 'ls']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('was issued by the certificate authority of cluster "b.example.com"');
    expect(r.err).toContain(`the auth server at ${a.authAddr} belongs to cluster "a.example.com"`);
  });
});
