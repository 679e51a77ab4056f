import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { formatAddr, parseAddr } from './address.js';

describe('parseAddr', () => {
  it.each([
    ['0.0.0.0:3025', 1, { host: '0.0.0.0', port: 3025 }],
    ['127.0.0.1:0', 1, { host: '127.0.0.1', port: 0 }],
    ['[::1]:3025', 1, { host: '::1', port: 3025 }],
    ['[::]', 3022, { host: '::', port: 3022 }],
    ['auth.example.com', 3025, { host: 'auth.example.com', port: 3025 }],
    ['node-1', 3022, { host: 'node-1', port: 3022 }],
    ['tcp://10.0.0.5:3025', 1, { host: '10.0.0.5', port: 3025 }],
    ['https://teleport.example.com:443', 1, { host: 'teleport.example.com', port: 443 }],
    ['https://teleport.example.com/', 3080, { host: 'teleport.example.com', port: 3080 }],
    [':3080', 1, { host: '', port: 3080 }],
    [' localhost:65535 ', 1, { host: 'localhost', port: 65535 }],
  ])('%s', (input, defaultPort, want) => {
    expect(parseAddr(input, defaultPort)).toEqual(want);
  });

  it.each([
    ['3025x', /not a valid host/],
    ['host:30x', /not a port number/],
    ['host:70000', /not a port number/],
    ['::1', /brackets/],
    ['[::1', /missing "\]"/],
    ['[zz]:1', /not an IPv6/],
    ['unix:///tmp/sock', /unsupported scheme/],
    ['10.0.0.300:1', /not a valid host/],
    ['', /empty/],
    ['a:b:c', /too many colons/],
    ['bad_host!:1', /not a valid host/],
  ])('refuses %j', (input, why) => {
    expect(() => parseAddr(input, 1)).toThrow(BadParameterError);
    expect(() => parseAddr(input, 1)).toThrow(why);
  });

  it('requires a port when there is no default', () => {
    expect(() => parseAddr('localhost')).toThrow(/port is required/);
  });
});

describe('formatAddr', () => {
  it('brackets IPv6 and round-trips', () => {
    expect(formatAddr({ host: '::1', port: 3025 })).toBe('[::1]:3025');
    expect(formatAddr({ host: '0.0.0.0', port: 0 })).toBe('0.0.0.0:0');
    for (const s of ['[::1]:3025', 'a.example.com:443', '10.1.2.3:22']) {
      expect(formatAddr(parseAddr(s))).toBe(s);
    }
  });
});
