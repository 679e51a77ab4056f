// tctl with damaged or hostile input (issue 17 items 2 and 7): a tampered identity file is a user error
// naming the file (it printed OpenSSL's "key values mismatch"), and resource files past the bounds
// (size, alias expansion) are refused with the limit named, quickly and without writing anything.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

let c: TestCluster;
let dir: string;
let identity: string;

async function tctl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH }, cwd: dir });
  const code = await runTctl(args, cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

beforeAll(async () => {
  c = await startCluster();
  dir = mkdtempSync(join(tmpdir(), 'tctl-hostile-'));
  expect((await tctl(['-c', c.configPath, 'users', 'add', 'ops', '--roles=editor'])).code).toBe(0);
  expect((await tctl(['-c', c.configPath, 'auth', 'sign', '--user=ops', '--out=ops.pem'])).code).toBe(0);
  identity = readFileSync(join(dir, 'ops.pem'), 'utf8');
});
afterAll(async () => c?.close());

describe('a damaged identity file', () => {
  const KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/;
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cases: Array<{ name: string; text: () => string; error: string }> = [
    { name: 'a private key of another pair', text: () => identity.replace(KEY, otherKey), error: 'its private key does not belong to its TLS certificate' },
    {
      name: 'a private key with bytes changed',
      text: () => identity.replace(KEY, (k) => k.replace(/\n([A-Za-z0-9+/]{20})/, (_m, s: string) => `\n${s.split('').reverse().join('')}`)),
      error: 'its private key',
    },
    { name: 'a truncated certificate', text: () => identity.replace(/(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/]{30})[\s\S]*?(-----END CERTIFICATE-----)/, '$1\n$2'), error: 'cannot be read' },
  ];
  for (const tc of cases) {
    it(`with ${tc.name} is refused naming the file`, async () => {
      writeFileSync(join(dir, 'bad.pem'), tc.text());
      const r = await tctl(['-i', 'bad.pem', '--auth-server', c.authAddr, 'users', 'ls']);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(new RegExp(`^ERROR: identity file ${join(dir, 'bad.pem')} is damaged: `));
      expect(r.err).toContain(tc.error);
      expect(r.err).toContain('tctl auth sign');
      expect(r.err).not.toMatch(/mismatch|routines|error:[0-9A-F]{8}/);
    });
  }

  it('works when intact', async () => {
    const r = await tctl(['-i', 'ops.pem', '--auth-server', c.authAddr, 'users', 'ls']);
    expect(r.code).toBe(0);
  });
});

describe('tctl create of hostile resource files', () => {
  it('refuses a file past 4 MiB naming the limit', async () => {
    const labels = Array.from({ length: 400_000 }, (_, i) => `      label${i}: value${i}`).join('\n');
    writeFileSync(join(dir, 'huge.yaml'), `kind: role\nversion: v7\nmetadata:\n  name: huge\nspec:\n  allow:\n    node_labels:\n${labels}\n`);
    const r = await tctl(['-c', c.configPath, 'create', 'huge.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ERROR: huge\.yaml is \d+ bytes, larger than the limit of 4 MiB\n$/);
  });

  it('refuses a role with 55,000 labels naming the field and the limit', async () => {
    const labels = Array.from({ length: 55_000 }, (_, i) => `      l${i}: v`).join('\n');
    writeFileSync(join(dir, 'many.yaml'), `kind: role\nversion: v7\nmetadata:\n  name: many\nspec:\n  allow:\n    node_labels:\n${labels}\n`);
    const r = await tctl(['-c', c.configPath, 'create', 'many.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('ERROR: many.yaml: document 1: spec.allow.node_labels has 55000 entries, more than the limit of 10000 (at line 8, column 7)\n');
  });

  it('refuses an alias bomb as a bad parameter', async () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'kind: role'].join('\n');
    writeFileSync(join(dir, 'bomb.yaml'), bomb);
    const r = await tctl(['-c', c.configPath, 'create', 'bomb.yaml']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('ERROR: bomb.yaml: document 1: the document expands too many aliases (at most 100 alias expansions are allowed)\n');
  });
});
