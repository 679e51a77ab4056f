// `tsh config` text, and what the machine's OpenSSH makes of it (`ssh -G` evaluates the config
// for a host without connecting).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSSHConfig } from './ssh-config.js';

const params = {
  cluster: 'example.com',
  proxyHost: 'proxy.example.com',
  proxyPort: '3080',
  knownHostsPath: '/home/alice/.tsh/known_hosts',
  identityFilePath: '/home/alice/.tsh/keys/proxy.example.com/alice',
  certificateFilePath: '/home/alice/.tsh/keys/proxy.example.com/alice-ssh/example.com-cert.pub',
  tshPath: '/usr/local/bin/tsh',
};

describe('tsh config', () => {
  it("renders Teleport's two blocks", () => {
    expect(renderSSHConfig(params)).toBe(
      [
        '# Begin generated Teleport configuration for proxy.example.com by tsh',
        '',
        '# Common flags for all example.com hosts',
        'Host *.example.com proxy.example.com',
        '    UserKnownHostsFile "/home/alice/.tsh/known_hosts"',
        '    IdentityFile "/home/alice/.tsh/keys/proxy.example.com/alice"',
        '    CertificateFile "/home/alice/.tsh/keys/proxy.example.com/alice-ssh/example.com-cert.pub"',
        '    HostKeyAlgorithms ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com',
        '',
        '# Flags for all example.com hosts except the proxy',
        'Host *.example.com !proxy.example.com',
        '    Port 3022',
        '    ProxyCommand "/usr/local/bin/tsh" proxy ssh --cluster=example.com --proxy=proxy.example.com:3080 %r@%h:%p',
        '',
        '# End generated Teleport configuration',
        '',
      ].join('\n'),
    );
  });

  it('adds User lines for -l and the port for -p', () => {
    const text = renderSSHConfig({ ...params, login: 'root', port: 2222 });
    expect(text.match(/^ {4}User "root"$/gm)).toHaveLength(2);
    expect(text).toMatch(/^ {4}Port 2222$/m);
  });

  it('is a configuration OpenSSH understands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsh-config-'));
    try {
      const file = join(dir, 'config');
      await writeFile(file, renderSSHConfig({ ...params, port: 2222 }));
      const g = (host: string) => execFileSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8' });
      const node = g('bob@node-1.example.com');
      expect(node).toMatch(/^proxycommand "\/usr\/local\/bin\/tsh" proxy ssh --cluster=example.com --proxy=proxy.example.com:3080 %r@%h:%p$/m);
      expect(node).toMatch(/^port 2222$/m);
      expect(node).toMatch(/^userknownhostsfile \/home\/alice\/.tsh\/known_hosts$/m);
      expect(node).toMatch(/^certificatefile \/home\/alice\/.tsh\/keys\/proxy.example.com\/alice-ssh\/example.com-cert.pub$/m);
      expect(node).toMatch(/^hostkeyalgorithms ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,/m);
      const proxy = g('proxy.example.com');
      expect(proxy).not.toMatch(/^proxycommand/m);
      expect(proxy).toMatch(/^identityfile \/home\/alice\/.tsh\/keys\/proxy.example.com\/alice$/m);
      expect(g('other.org')).not.toMatch(/tsh/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
