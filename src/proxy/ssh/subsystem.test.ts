// The `proxy:` subsystem forms Teleport's proxy accepts, and its error texts for the rest.
import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../../api/errors.js';
import { parseProxySubsystem, splitHostPort } from './subsystem.js';

describe('parseProxySubsystem', () => {
  it.each([
    ['proxy:node1:3022', { host: 'node1', port: '3022', namespace: 'default', cluster: '' }],
    ['proxy:node1:3022@root', { host: 'node1', port: '3022', namespace: 'default', cluster: 'root' }],
    ['proxy:node1:3022@default@root', { host: 'node1', port: '3022', namespace: 'default', cluster: 'root' }],
    ['proxy:node1:0@ns@a@b', { host: 'node1', port: '0', namespace: 'ns', cluster: 'a@b' }],
    ['proxy:@root', { host: '', port: '', namespace: 'default', cluster: 'root' }],
    ['proxy:[::1]:22@root', { host: '::1', port: '22', namespace: 'default', cluster: 'root' }],
    ['proxy:node1:@root', { host: 'node1', port: '', namespace: 'default', cluster: 'root' }],
    ['proxy:env=prod,role=db:22@root', { host: 'env=prod,role=db', port: '22', namespace: 'default', cluster: 'root' }],
    ['proxy:node1:22@', { host: 'node1', port: '22', namespace: 'default', cluster: '' }],
  ])('%s', (req, want) => {
    expect(parseProxySubsystem(req)).toEqual(want);
  });

  it.each(['proxy:', 'proxy:node1', 'proxy:node1@root', 'proxy::22@root', 'sftp', 'Proxy:node1:22', 'proxy:::1:22', 'proxy:node1:http@root', 'proxy:node1:70000', 'proxy:node 1:22'])(
    'refuses %s with the expected-format text',
    (req) => {
      expect(() => parseProxySubsystem(req)).toThrow(BadParameterError);
      expect(() => parseProxySubsystem(req)).toThrow(`invalid format for proxy request: ${JSON.stringify(req)}, expected 'proxy:host:port@cluster'`);
    },
  );

  it('refuses proxy:@ as missing both cluster and host', () => {
    expect(() => parseProxySubsystem('proxy:@')).toThrow('invalid format for proxy request: missing cluster name or target host in "proxy:@"');
  });
});

describe('splitHostPort', () => {
  it.each([
    ['a:1', { host: 'a', port: '1' }],
    ['[fe80::1]:22', { host: 'fe80::1', port: '22' }],
    ['10.0.0.1:65535', { host: '10.0.0.1', port: '65535' }],
    ['a', undefined],
    ['[::1]22', undefined],
    [':22', undefined],
    ['a:65536', undefined],
  ])('%s', (addr, want) => {
    expect(splitHostPort(addr)).toEqual(want);
  });
});
