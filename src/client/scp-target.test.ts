import { describe, expect, it } from 'vitest';
import { parseScpTarget } from './scp-target.js';

describe('parseScpTarget', () => {
  it.each([
    ['file.txt', { kind: 'local', path: 'file.txt' }],
    ['/abs/path:with:colons', { kind: 'local', path: '/abs/path:with:colons' }],
    ['./a:b', { kind: 'local', path: './a:b' }],
    ['dir/a:b', { kind: 'local', path: 'dir/a:b' }],
    ['node-1:/tmp/x', { kind: 'remote', host: 'node-1', path: '/tmp/x' }],
    ['node-1:', { kind: 'remote', host: 'node-1', path: '.' }],
    ['alice@node-1:notes.txt', { kind: 'remote', login: 'alice', host: 'node-1', path: 'notes.txt' }],
    ['a@b.com@node-1:x', { kind: 'remote', login: 'a@b.com', host: 'node-1', path: 'x' }],
    ['root@[::1]:/etc/hosts', { kind: 'remote', login: 'root', host: '::1', path: '/etc/hosts' }],
    ['node-1:/path/with@at', { kind: 'remote', host: 'node-1', path: '/path/with@at' }],
  ])('%s', (arg, want) => {
    expect(parseScpTarget(arg)).toEqual(want);
  });

  it('refuses an empty host or login', () => {
    expect(() => parseScpTarget(':/tmp')).toThrow(/host is empty/);
    expect(() => parseScpTarget('@node:/tmp')).toThrow(/login before @ is empty/);
  });
});
