import { describe, expect, it } from 'vitest';
import { parseDynamicForwardSpec, parseForwardSpec } from './forward-spec.js';

describe('parseForwardSpec', () => {
  it.each([
    ['8080:web:80', { bindHost: '', bindPort: 8080, destHost: 'web', destPort: 80 }],
    ['0.0.0.0:8080:10.0.0.5:5432', { bindHost: '0.0.0.0', bindPort: 8080, destHost: '10.0.0.5', destPort: 5432 }],
    ['[::1]:8080:[fd00::1]:22', { bindHost: '::1', bindPort: 8080, destHost: 'fd00::1', destPort: 22 }],
    ['0:localhost:22', { bindHost: '', bindPort: 0, destHost: 'localhost', destPort: 22 }],
  ])('%s', (spec, want) => {
    expect(parseForwardSpec(spec)).toEqual(want);
  });

  it.each([
    ['8080', /expected \[bind_address:\]port:host:hostport/],
    ['a:b:c:d:e', /expected/],
    ['x:web:80', /invalid port "x"/],
    ['8080:web:0', /invalid port "0"/],
    ['8080:web:65536', /invalid port "65536"/],
    ['8080::80', /destination host is empty/],
    ['[::1:8080:web:80', /unbalanced/],
  ])('refuses %s', (spec, msg) => {
    expect(() => parseForwardSpec(spec)).toThrow(msg);
  });
});

describe('parseDynamicForwardSpec', () => {
  it('takes port or bind:port', () => {
    expect(parseDynamicForwardSpec('1080')).toEqual({ bindHost: '', bindPort: 1080 });
    expect(parseDynamicForwardSpec('127.0.0.2:1080')).toEqual({ bindHost: '127.0.0.2', bindPort: 1080 });
    expect(() => parseDynamicForwardSpec('a:b:c')).toThrow(/expected \[bind_address:\]port/);
    expect(() => parseDynamicForwardSpec('99999')).toThrow(/invalid port/);
  });
});
