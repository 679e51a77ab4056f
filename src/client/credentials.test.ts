import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UserCertsResponse } from '../api/auth-wire.js';
import { parseIdentityFile } from '../api/identity-file.js';
import { credentialPaths, generateUserKey, writeCredentials } from './credentials.js';

const certs: UserCertsResponse = {
  ssh: 'ssh-ed25519-cert-v01@openssh.com AAAA',
  tls: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
  tls_ca_certs: ['-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----'],
  ssh_ca_keys: ['ssh-ed25519 CCCC'],
  cluster_name: 'example.com',
  expires: '2030-01-01T00:00:00Z',
};

describe('credential files', () => {
  it('names the files of each format as Teleport does', () => {
    expect(credentialPaths('out', 'file')).toEqual(['out']);
    expect(credentialPaths('out', 'openssh')).toEqual(['out', 'out-cert.pub']);
    expect(credentialPaths('out', 'tls')).toEqual(['out.key', 'out.crt', 'out.cas']);
  });

  it('writes an identity file with key, certs, CAs and known_hosts lines, 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-'));
    const written = await writeCredentials({ out: 'id', format: 'file', key: generateUserKey(), certs, cwd: dir });
    expect(written).toEqual(['id']);
    const id = parseIdentityFile(readFileSync(join(dir, 'id'), 'utf8'));
    expect(id.sshCert).toBe(certs.ssh);
    expect(id.tlsCAs).toHaveLength(1);
    expect(id.knownHosts).toEqual(['@cert-authority example.com,*.example.com ssh-ed25519 CCCC type=host']);
    expect(statSync(join(dir, 'id')).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite any existing target and writes none of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-'));
    writeFileSync(join(dir, 'out.crt'), 'keep');
    await expect(writeCredentials({ out: 'out', format: 'tls', key: generateUserKey(), certs, cwd: dir })).rejects.toMatchObject({
      code: 'already_exists',
    });
    expect(readFileSync(join(dir, 'out.crt'), 'utf8')).toBe('keep');
    expect(() => statSync(join(dir, 'out.key'))).toThrow();
    await writeCredentials({ out: 'out', format: 'tls', key: generateUserKey(), certs, cwd: dir, overwrite: true });
    expect(readFileSync(join(dir, 'out.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
