import { describe, expect, it } from 'vitest';
import { knownHostsLine } from '../api/identity-file.js';
import { formatAuthorizedKey, generateKeyPair, publicKeyToBlob, signCertificate } from '../sshca/index.js';
import { hostCAsForCluster, hostVerifier, parseHostCAs } from './known-hosts.js';

const ca = generateKeyPair('ed25519');
const other = generateKeyPair('ed25519');
const host = generateKeyPair('ed25519');

function hostCert(principals: string[], signer = ca.privateKey) {
  return signCertificate({
    type: 'host',
    publicKey: host.publicKey,
    keyId: 'node',
    principals,
    validAfter: new Date(Date.now() - 60_000),
    validBefore: new Date(Date.now() + 60_000),
    extensions: {},
    caPrivateKey: signer,
  });
}

describe('known hosts', () => {
  it('reads @cert-authority lines per cluster and skips the rest', () => {
    const text = [
      knownHostsLine('one.test', formatAuthorizedKey(ca.publicKey)),
      knownHostsLine('two.test', formatAuthorizedKey(other.publicKey)),
      'example.com ssh-ed25519 AAAA',
      '@cert-authority broken ssh-ed25519 !!!',
      '',
    ].join('\n');
    const all = parseHostCAs(text);
    expect(all).toHaveLength(2);
    expect(hostCAsForCluster(all, 'one.test').map((e) => e.key)).toEqual([publicKeyToBlob(ca.publicKey)]);
    expect(hostCAsForCluster(all, 'one.test')[0].keyType).toBe('ssh-ed25519');
    expect(hostCAsForCluster(all, 'three.test')).toEqual([]);
  });

  it('trusts host certificates from the CA naming the host, and says why not otherwise', () => {
    const v = (principal?: string) => hostVerifier({ trustedCAs: [publicKeyToBlob(ca.publicKey)], now: Date.now, principal }, 'node "n1"');
    const good = hostCert(['n1', 'n1.one.test']);
    expect(v('n1').verify({ blob: good.publicKey, cert: good })).toBe(true);
    expect(v(undefined).verify({ blob: good.publicKey, cert: good })).toBe(true);

    const wrongName = v('n2');
    expect(wrongName.verify({ blob: good.publicKey, cert: good })).toBe(false);
    expect(wrongName.refusal()?.message).toMatch(/node "n1" is not trusted: .*principal "n2"/);

    const forged = hostCert(['n1'], other.privateKey);
    const untrusted = v('n1');
    expect(untrusted.verify({ blob: forged.publicKey, cert: forged })).toBe(false);
    expect(untrusted.refusal()?.message).toMatch(/untrusted authority/);

    const plain = v('n1');
    expect(plain.verify({ blob: publicKeyToBlob(host.publicKey) })).toBe(false);
    expect(plain.refusal()?.message).toMatch(/plain host key/);
  });
});
