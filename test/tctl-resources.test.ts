/** tctl create/get/rm/edit in-process against a real cluster, and `tctl auth sign` in every format. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdentityFile } from '../src/api/identity-file.js';
import { captureIO } from '../src/cli/framework/index.js';
import { runTctl } from '../src/cli/tctl/run.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

let c: TestCluster;
let dir: string;

async function tctl(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const cap = captureIO({ env: { PATH: process.env.PATH, ...env }, cwd: dir });
  const code = await runTctl(['-c', c.configPath, ...args], cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

const DEV_ROLE = `kind: role
version: v7
metadata:
  name: dev
spec:
  allow:
    logins: [dev, '{{internal.logins}}']
    node_labels:
      env: staging
  options:
    max_session_ttl: 8h
`;

beforeAll(async () => {
  c = await startCluster();
  dir = mkdtempSync(join(tmpdir(), 'tctl-res-'));
});
afterAll(async () => c?.close());

describe('tctl create / get / rm / edit', () => {
  it('creates a role from a file, refuses to create it again without -f, and overwrites with -f', async () => {
    writeFileSync(join(dir, 'role.yaml'), DEV_ROLE);
    expect(await tctl(['create', 'role.yaml'])).toMatchObject({ code: 0, out: 'role "dev" has been created\n' });
    const again = await tctl(['create', 'role.yaml']);
    expect(again).toMatchObject({ code: 1, out: '', err: 'ERROR: role "dev" already exists, use -f or --force flag to override\n' });
    expect(await tctl(['create', '-f', 'role.yaml'])).toMatchObject({ code: 0, out: 'role "dev" has been updated\n' });
  });

  it('gets it back as YAML and JSON', async () => {
    const y = await tctl(['get', 'role/dev']);
    expect(y.code).toBe(0);
    expect(y.out).toMatch(/^kind: role\nmetadata:\n {2}name: dev\n/);
    expect(y.out).toContain('    logins:\n    - dev\n');
    expect(y.out).toContain('max_session_ttl: 8h0m0s');
    const j = await tctl(['get', 'role/dev', '--format=json']);
    const parsed = JSON.parse(j.out);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ kind: 'role', version: 'v7', metadata: { name: 'dev' }, spec: { allow: { node_labels: { env: 'staging' } } } });
    const roles = await tctl(['get', 'roles']);
    expect(roles.out.split(/^---$/m).length).toBeGreaterThanOrEqual(5);
  });

  it('gets several kinds at once; CA private keys only with --with-secrets', async () => {
    await tctl(['tokens', 'add', '--type=node', '--value=gettoken1', '--format=text']);
    const r = await tctl(['get', 'users,roles,tokens,cert_authority,cluster_auth_preference']);
    expect(r.code).toBe(0);
    for (const k of ['role', 'token', 'cert_authority', 'cluster_auth_preference']) expect(r.out).toMatch(new RegExp(`^kind: ${k}$`, 'm'));
    expect(r.out).toContain('name: gettoken1');
    expect(r.out).not.toMatch(/private_key:|^\s+key:/m);
    const s = await tctl(['get', 'cert_authority/user', '--with-secrets']);
    expect(s.out).toMatch(/private_key: \S+/);
    expect(s.out).toMatch(/^\s+key: \S+/m);
  });

  it('edits with $EDITOR, writes nothing when unchanged, and removes', async () => {
    const script = join(dir, 'editor.sh');
    writeFileSync(script, '#!/bin/sh\nsed -i "s/env: staging/env: production/" "$1"\n');
    chmodSync(script, 0o755);
    const before = JSON.parse((await tctl(['get', 'role/dev', '--format=json'])).out)[0].metadata.revision;
    const e = await tctl(['edit', 'role/dev'], { EDITOR: script });
    expect(e).toMatchObject({ code: 0, out: 'role "dev" has been updated\n' });
    expect((await tctl(['get', 'role/dev'])).out).toContain('env: production');
    const rev = JSON.parse((await tctl(['get', 'role/dev', '--format=json'])).out)[0].metadata.revision;
    expect(rev).not.toBe(before);
    const noop = await tctl(['edit', 'role/dev'], { EDITOR: 'true' });
    expect(noop).toMatchObject({ code: 0, out: '' });
    expect(JSON.parse((await tctl(['get', 'role/dev', '--format=json'])).out)[0].metadata.revision).toBe(rev);
    const rename = join(dir, 'rename.sh');
    writeFileSync(rename, '#!/bin/sh\nsed -i "s/name: dev/name: dev2/" "$1"\n');
    chmodSync(rename, 0o755);
    const bad = await tctl(['edit', 'role/dev'], { EDITOR: rename });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('renaming resources is not supported');
    expect(await tctl(['rm', 'role/dev'])).toMatchObject({ code: 0, out: 'role "dev" has been deleted\n' });
    expect((await tctl(['get', 'role/dev'])).code).toBe(1);
  });
});

describe('tctl auth sign', () => {
  beforeAll(async () => {
    const r = await tctl(['users', 'add', 'signee', '--roles=access', '--logins=ubuntu,root']);
    expect(r.code).toBe(0);
  });

  it('writes an identity file that tctl -i accepts', async () => {
    const r = await tctl(['auth', 'sign', '--user=signee', '--out=signee.pem', '--ttl=1h']);
    expect(r).toMatchObject({ code: 0, out: '\nThe credentials have been written to signee.pem\n' });
    const id = parseIdentityFile(readFileSync(join(dir, 'signee.pem'), 'utf8'));
    expect(id.sshCert).toMatch(/^ssh-ed25519-cert-v01@openssh\.com /);
    expect(id.knownHosts[0]).toMatch(/^@cert-authority test\.example\.com,\*\.test\.example\.com ssh-ed25519 /);
    expect(statSync(join(dir, 'signee.pem')).mode & 0o777).toBe(0o600);
    const again = await tctl(['auth', 'sign', '--user=signee', '--out=signee.pem']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('refusing to overwrite existing file(s)');
    expect((await tctl(['auth', 'sign', '--user=signee', '--out=signee.pem', '--overwrite'])).code).toBe(0);
  });

  it('writes an OpenSSH key and certificate that ssh-keygen reads', async () => {
    const r = await tctl(['auth', 'sign', '--user=signee', '--out=ossh', '--format=openssh', '--ttl=1h']);
    expect(r).toMatchObject({ code: 0, out: '\nThe credentials have been written to ossh, ossh-cert.pub\n' });
    const info = execFileSync('ssh-keygen', ['-L', '-f', join(dir, 'ossh-cert.pub')], { encoding: 'utf8' });
    expect(info).toMatch(/Type: ssh-ed25519-cert-v01@openssh\.com user certificate/);
    expect(info).toMatch(/Key ID: "signee"/);
    expect(info).toMatch(/Principals: \n\s+ubuntu\n\s+root\n/);
    const pub = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'ossh')], { encoding: 'utf8' });
    expect(readFileSync(join(dir, 'ossh-cert.pub'), 'utf8').split(' ')[0]).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(pub).toMatch(/^ssh-ed25519 /);
  });

  it('writes TLS key, certificate and CAs that openssl reads', async () => {
    const r = await tctl(['auth', 'sign', '--user=signee', '--out=tlsout', '--format=tls']);
    expect(r).toMatchObject({ code: 0, out: '\nThe credentials have been written to tlsout.key, tlsout.crt, tlsout.cas\n' });
    const subject = execFileSync('openssl', ['x509', '-noout', '-subject', '-in', join(dir, 'tlsout.crt')], { encoding: 'utf8' });
    expect(subject).toMatch(/CN ?= ?signee/);
    expect(subject).toMatch(/O ?= ?access/);
    const cas = execFileSync('openssl', ['x509', '-noout', '-subject', '-in', join(dir, 'tlsout.cas')], { encoding: 'utf8' });
    expect(cas).toMatch(/CN ?= ?test\.example\.com/);
  });

  it('refuses an unknown user and writes nothing', async () => {
    const r = await tctl(['auth', 'sign', '--user=nobody', '--out=nobody.pem']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ERROR: .*nobody/);
    expect(existsSync(join(dir, 'nobody.pem'))).toBe(false);
  });
});
