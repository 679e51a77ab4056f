import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { decodeClusterName, encodeClusterName, hostIdentitySANs } from './index.js';

describe('encodeClusterName', () => {
  it.each([
    ['example.com', '6578616d706c652e636f6d.teleport.cluster.local'],
    ['main', '6d61696e.teleport.cluster.local'],
  ])('%s -> %s and back', (name, encoded) => {
    expect(encodeClusterName(name)).toBe(encoded);
    expect(decodeClusterName(encoded)).toBe(name);
  });

  it.each(['example.com', 'zz.teleport.cluster.local', '.teleport.cluster.local', 'abc.teleport.cluster.local'])(
    'refuses to decode %s',
    (bad) => expect(() => decodeClusterName(bad)).toThrow(BadParameterError),
  );
});

describe('hostIdentitySANs', () => {
  it('lists Teleport host principals split into DNS and IP SANs', () => {
    expect(hostIdentitySANs({ hostId: 'uuid', nodeName: 'node1', clusterName: 'main', additional: ['10.0.0.5', 'node1.example.com', 'node1'] }))
      .toEqual({
        dnsNames: ['uuid.main', 'uuid', 'node1.main', 'node1', 'localhost', 'node1.example.com', '*.teleport.cluster.local', 'teleport.cluster.local'],
        ipAddresses: ['127.0.0.1', '::1', '10.0.0.5'],
      });
  });

  it('refuses a missing host ID or cluster name', () => {
    expect(() => hostIdentitySANs({ hostId: '', nodeName: 'n', clusterName: 'c' })).toThrow(BadParameterError);
    expect(() => hostIdentitySANs({ hostId: 'h', nodeName: 'n', clusterName: '' })).toThrow(BadParameterError);
  });
});
