import { describe, expect, it } from 'vitest';
import { BadParameterError } from './errors.js';
import { formatIdentityFile, knownHostsLine, parseIdentityFile } from './identity-file.js';

const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;

describe('identity files', () => {
  it('round-trips every part in order', () => {
    const id = {
      keyPem: pem('PRIVATE KEY', 'a2V5'),
      sshCert: 'ssh-ed25519-cert-v01@openssh.com AAAAC3 alice',
      tlsCert: pem('CERTIFICATE', 'Y2VydA=='),
      tlsCAs: [pem('CERTIFICATE', 'Y2Ex'), pem('CERTIFICATE', 'Y2Ey')],
      knownHosts: [knownHostsLine('example.com', 'ssh-ed25519 AAAAhost')],
    };
    const text = formatIdentityFile(id);
    expect(text.indexOf('PRIVATE KEY')).toBeLessThan(text.indexOf('cert-v01'));
    expect(parseIdentityFile(text)).toEqual(id);
    expect(id.knownHosts[0]).toBe('@cert-authority example.com,*.example.com ssh-ed25519 AAAAhost type=host');
  });

  it('refuses a file without a private key', () => {
    expect(() => parseIdentityFile(pem('CERTIFICATE', 'eA=='), 'alice.pem')).toThrow(BadParameterError);
    expect(() => parseIdentityFile('garbage', 'alice.pem')).toThrow(/alice.pem has no private key/);
  });
});
