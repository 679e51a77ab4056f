// The SSH address ping and find advertise: the one the caller gives, else the web host on 3023.
import { describe, expect, it } from 'vitest';
import type { AuthService } from '../../auth/index.js';
import { defaultSSHPublicAddr, defaultTunnelPublicAddr, findResponse, pingResponse } from './ping.js';

const auth = { clusterName: 'example.com', authPreference: () => Promise.resolve({ spec: {} }), ssoConnectors: () => Promise.resolve([]) } as unknown as AuthService;

describe('ping and find', () => {
  it('advertise the SSH public address they are given', async () => {
    const ping = (await pingResponse(auth, 'proxy.example.com:3080', 'ssh.example.com:2222')) as { proxy: { ssh: Record<string, string> } };
    expect(ping.proxy.ssh).toMatchObject({ public_addr: 'proxy.example.com:3080', ssh_public_addr: 'ssh.example.com:2222' });
    const find = findResponse(auth, 'proxy.example.com:3080', '127.0.0.1:40123') as { proxy: { ssh: Record<string, string> } };
    expect(find.proxy.ssh.ssh_public_addr).toBe('127.0.0.1:40123');
  });

  it.each([
    ['proxy.example.com:3080', 'proxy.example.com:3023'],
    ['[::1]:3080', '[::1]:3023'],
    ['proxy.example.com', 'proxy.example.com:3023'],
  ])('default for %s is %s', (web, ssh) => {
    expect(defaultSSHPublicAddr(web)).toBe(ssh);
  });

  it('advertise the tunnel address they are given, else the web host on 3024', async () => {
    const ping = (await pingResponse(auth, 'proxy.example.com:3080', 'proxy.example.com:3023', '127.0.0.1:40124')) as { proxy: { ssh: Record<string, string> } };
    expect(ping.proxy.ssh.ssh_tunnel_public_addr).toBe('127.0.0.1:40124');
    const find = findResponse(auth, 'proxy.example.com:443', 'proxy.example.com:3023') as { proxy: { ssh: Record<string, string> } };
    expect(find.proxy.ssh.ssh_tunnel_public_addr).toBe('proxy.example.com:3024');
    expect(defaultTunnelPublicAddr('[::1]:3080')).toBe('[::1]:3024');
  });
});
