import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { matchSourceAddress, parseSourceAddress } from './source-address.js';

describe('source-address', () => {
  const cases: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['192.168.1.7', '192.168.1.7', true],
    ['192.168.1.7', '192.168.1.8', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['0.0.0.0/0', '::1', false],
    ['10.0.0.0/8,192.168.0.0/16', '192.168.44.1', true],
    ['127.0.0.1', '::ffff:127.0.0.1', true],
    ['::1', '::1', true],
    ['::1', '127.0.0.1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['::ffff:0:0/96', '::ffff:1.2.3.4', false], // mapped clients compare as IPv4, as OpenSSH does
    ['10.0.0.0/8', 'not-an-ip', false],
    ['10.0.0.0/8', '', false],
  ];
  it.each(cases)('%s contains %s: %s', (list, addr, want) => {
    expect(matchSourceAddress(list, addr)).toBe(want);
  });

  const invalid = ['', '10.0.0.1/8', '10.0.0.0/33', '10.0.0.0/8,', '10.0.0.0/8, 11.0.0.0/8', 'host.example.com', '*', '1.2.3', '::/129', '1.2.3.4/8/1'];
  it.each(invalid)('refuses the list "%s"', (list) => {
    expect(() => parseSourceAddress(list)).toThrow(BadParameterError);
    expect(() => matchSourceAddress(list, '10.0.0.1')).toThrow(BadParameterError);
  });

  it('parses entries into families and prefixes', () => {
    expect(parseSourceAddress('10.0.0.0/8,::1')).toEqual([
      { family: 4, network: 0x0a000000n, prefix: 8 },
      { family: 6, network: 1n, prefix: 128 },
    ]);
  });
});
