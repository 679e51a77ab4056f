import { describe, expect, it } from 'vitest';
import { knownHostsLine } from '../api/identity-file.js';
import { formatAuthorizedKey, generateKeyPair, publicKeyToBlob, signCertificate } from '../sshca/index.js';
import { hostCAsForCluster, hostVerifier, parseHostCAs } from './known-hosts.js';

const ca = generateKeyPair('ed25519');
const other = generateKeyPair('ed25519');
const host = generateKeyPair('ed25519');
const UUID1 = '1b0e5c38-3f0c-4f55-9d6a-3c1d2f5e7a10';
const UUID2 = '9c7d6e5f-4a3b-4c2d-8e1f-0a9b8c7d6e5f';

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

  it('trusts host certificates from the CA naming the resolved node by UUID, and says why not otherwise', () => {
    const v = (hostId?: string) =>
      hostVerifier({ trustedCAs: [publicKeyToBlob(ca.publicKey)], now: Date.now, host: hostId === undefined ? 'proxy' : { hostId, clusterName: 'one.test' } }, 'node "n1"');
    const good = hostCert([UUID1, `${UUID1}.one.test`, 'n1', 'n1.one.test']);
    expect(v(UUID1).verify({ blob: good.publicKey, cert: good })).toBe(true);
    // The proxy is reached by any name: any host certificate of the CA.
    expect(v(undefined).verify({ blob: good.publicKey, cert: good })).toBe(true);
    // `<uuid>.<cluster>` alone names the node too.
    const qualified = hostCert([`${UUID1}.one.test`]);
    expect(v(UUID1).verify({ blob: qualified.publicKey, cert: qualified })).toBe(true);

    // Another node's certificate, even one carrying the name the user typed, is not the resolved node.
    const impostor = hostCert([UUID2, `${UUID2}.one.test`, 'n1', 'n1.one.test']);
    const wrongNode = v(UUID1);
    expect(wrongNode.verify({ blob: impostor.publicKey, cert: impostor })).toBe(false);
    expect(wrongNode.refusal()?.message).toMatch(new RegExp(`node "n1" is not trusted: .*does not belong to node ${UUID1}`));
    // A host the user may not see (not resolved): a certificate naming it as typed.
    const byName = (name: string) => hostVerifier({ trustedCAs: [publicKeyToBlob(ca.publicKey)], now: Date.now, host: { name } }, `node "${name}"`);
    expect(byName('n1').verify({ blob: good.publicKey, cert: good })).toBe(true);
    const otherName = byName('n2');
    expect(otherName.verify({ blob: good.publicKey, cert: good })).toBe(false);
    expect(otherName.refusal()?.message).toMatch(/node "n2" is not trusted: .*principal "n2"/);
    // Nothing resolved: no node is trusted.
    const unresolved = v('');
    expect(unresolved.verify({ blob: good.publicKey, cert: good })).toBe(false);
    expect(unresolved.refusal()?.message).toMatch(/no node was resolved/);

    const forged = hostCert([UUID1], other.privateKey);
    const untrusted = v(UUID1);
    expect(untrusted.verify({ blob: forged.publicKey, cert: forged })).toBe(false);
    expect(untrusted.refusal()?.message).toMatch(/untrusted authority/);

    const plain = v(UUID1);
    expect(plain.verify({ blob: publicKeyToBlob(host.publicKey) })).toBe(false);
    expect(plain.refusal()?.message).toMatch(/plain host key/);
  });
});
