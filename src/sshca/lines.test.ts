import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { fingerprint, generateKeyPair, publicKeyToBlob } from './keys.js';
import { formatAuthorizedKeysCA, formatKnownHostsCA } from './lines.js';
import { sshKeygen, sshKeygenOk, tempDir } from './testing/keygen.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const ca = publicKeyToBlob(generateKeyPair('ecdsa-p256').publicKey);
const b64 = ca.toString('base64');

describe('known_hosts @cert-authority', () => {
  it('formats the line', () => {
    expect(formatKnownHostsCA(ca, '*.example.com')).toBe(`@cert-authority *.example.com ecdsa-sha2-nistp256 ${b64}`);
    expect(formatKnownHostsCA(ca, ['*.example.com', 'proxy.example.com'], 'type=host')).toBe(
      `@cert-authority *.example.com,proxy.example.com ecdsa-sha2-nistp256 ${b64} type=host`,
    );
  });

  it('ssh-keygen -F finds matching hosts as a CA line, and only those', async () => {
    const file = tmp.path('known_hosts');
    await writeFile(file, `${formatKnownHostsCA(ca, ['*.example.com', '10.0.0.*'], 'cluster')}\n`);
    const hit = await sshKeygenOk(['-F', 'node-1.example.com', '-f', file], tmp.dir);
    expect(hit).toContain('found: line 1 CA');
    expect((await sshKeygen(['-F', '10.0.0.7', '-f', file], tmp.dir)).code).toBe(0);
    expect((await sshKeygen(['-F', 'example.org', '-f', file], tmp.dir)).code).not.toBe(0);
  });

  it.each(['', 'a b', 'a,,b', '*.example.com\n@cert-authority *'])('refuses the pattern %j', (pattern) => {
    expect(() => formatKnownHostsCA(ca, pattern)).toThrow(BadParameterError);
  });

  it('refuses a malformed CA blob', () => {
    expect(() => formatKnownHostsCA(Buffer.from('nope'), '*')).toThrow(BadParameterError);
  });
});

describe('authorized_keys cert-authority', () => {
  it('formats a line ssh-keygen reads with its option', async () => {
    const line = formatAuthorizedKeysCA(ca);
    expect(line).toBe(`cert-authority ecdsa-sha2-nistp256 ${b64}`);
    const file = tmp.path('authorized_keys');
    await writeFile(file, `${line}\n`);
    const out = await sshKeygenOk(['-l', '-f', file], tmp.dir);
    expect(out).toContain(fingerprint(ca));
  });
});
