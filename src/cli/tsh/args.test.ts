// The argument handling of tsh's commands that needs no cluster: targets, logins, -o options,
// scp operands, `tsh proxy ssh` targets and the `tsh ls` table.
import { describe, expect, it } from 'vitest';
import type { Node } from '../../api/types/node.js';
import { captureIO, type Invocation } from '../framework/index.js';
import { nodesJSON, nodesTable, nodesYAML } from './ls.js';
import { parseProxyTarget } from './proxy-ssh.js';
import { planCopy } from './scp.js';
import { parseSSHOptions } from './ssh.js';
import { exitCodeOf } from './ssh-session.js';
import { hostLogin, splitUserHost } from './tsh-context.js';

function inv(flags: Record<string, unknown>, env: Record<string, string> = {}): Invocation {
  return { command: 'ssh', flags, args: {}, rest: [], io: captureIO({ env }).io };
}

describe('tsh ssh targets and logins', () => {
  it('splits [user@]host at the last @', () => {
    expect(splitUserHost('node-1')).toEqual({ host: 'node-1' });
    expect(splitUserHost('root@node-1')).toEqual({ user: 'root', host: 'node-1' });
    expect(splitUserHost('a@b.com@node-1')).toEqual({ user: 'a@b.com', host: 'node-1' });
    expect(splitUserHost('@node-1')).toEqual({ host: 'node-1' });
  });

  it('picks -l, then user@, then the local user', () => {
    expect(hostLogin(inv({ login: 'flag' }), 'target')).toBe('flag');
    expect(hostLogin(inv({}), 'target')).toBe('target');
    expect(hostLogin(inv({}, { USER: 'localuser' }))).toBe('localuser');
  });

  it('maps exit statuses as OpenSSH and Teleport do', () => {
    expect(exitCodeOf({ code: 0 })).toBe(0);
    expect(exitCodeOf({ code: 42 })).toBe(42);
    expect(exitCodeOf({ signal: 'KILL' })).toBe(255);
    expect(exitCodeOf({ code: -1 })).toBe(1);
  });

  it('understands the -o options it acts on and warns about the rest', () => {
    const warnings: string[] = [];
    expect(parseSSHOptions(['ForwardAgent=yes', 'RequestTTY no', 'StrictHostKeyChecking=no'], (s) => warnings.push(s))).toEqual({ forwardAgent: true, requestTTY: 'no' });
    expect(warnings).toEqual(["WARNING: Option 'StrictHostKeyChecking' is not supported and will be ignored.\n"]);
    expect(() => parseSSHOptions(['ForwardAgent=maybe'], () => {})).toThrow(/expected yes or no/);
    expect(() => parseSSHOptions(['=x'], () => {})).toThrow(/expected Key=Value/);
  });
});

describe('tsh scp operands', () => {
  it('finds the remote side', () => {
    expect(planCopy(['a', 'b'], 'root@node-1:/tmp/')).toMatchObject({ direction: 'upload', remote: { login: 'root', host: 'node-1' }, sources: ['a', 'b'], dest: '/tmp/' });
    expect(planCopy(['node-1:x', 'node-1:y'], '.')).toMatchObject({ direction: 'download', sources: ['x', 'y'], dest: '.' });
  });

  it.each([
    [['a'], 'b', /neither side is remote/],
    [['n1:a'], 'n2:b', /one side must be local/],
    [['n1:a', 'b'], '.', /mixing local and remote sources/],
    [['n1:a', 'n2:b'], '.', /same node/],
    [['root@n1:a', 'n1:b'], '.', /same node, as the same login/],
  ])('refuses %j -> %s', (src, dst, msg) => {
    expect(() => planCopy(src, dst)).toThrow(msg);
  });
});

describe('tsh proxy ssh targets', () => {
  it.each([
    ['node-1.example.com:3022', { host: 'node-1', port: 3022 }],
    ['root@node-1.example.com:22', { host: 'node-1', port: 22 }],
    ['node-1:3022', { host: 'node-1', port: 3022 }],
    ['[::1]:3022', { host: '::1', port: 3022 }],
    ['node-1', { host: 'node-1', port: 0 }],
    ['example.com:1', { host: 'example.com', port: 1 }],
  ])('%s', (arg, want) => {
    expect(parseProxyTarget(arg, 'example.com')).toEqual(want);
  });

  it('refuses garbage', () => {
    expect(() => parseProxyTarget('a:b:c', 'example.com')).toThrow(/expected \[user@\]host:port/);
  });
});

describe('tsh ls output', () => {
  const node = (name: string, hostname: string, labels: Record<string, string>, addr = '10.0.0.1:3022'): Node =>
    ({ kind: 'node', version: 'v2', metadata: { name, labels }, spec: { hostname, addr } }) as Node;
  const nodes = [node('u-1', 'db', { env: 'prod', 'teleport.dev/origin': 'x', a: '1' }), node('u-2', 'web-a-long-name', {}, '10.0.0.22:3022')];

  it('is a table with a blank line after it', () => {
    expect(nodesTable(nodes, false, 80)).toBe(
      [
        'Node Name       Address        Labels                             ',
        '--------------- -------------- ---------------------------------- ',
        'db              10.0.0.1:3022  a=1,env=prod,teleport.dev/origin=x ',
        'web-a-long-name 10.0.0.22:3022                                    ',
        '',
        '',
      ].join('\n'),
    );
    expect(nodesTable(nodes, true, 80).split('\n')[0]).toMatch(/^Node Name +Node ID +Address +Labels +$/);
  });

  it('cuts labels to the terminal width', () => {
    const wide = [node('u', 'h', Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, 'value'])))];
    for (const line of nodesTable(wide, false, 60).split('\n')) expect(line.length).toBeLessThanOrEqual(61);
    expect(nodesTable(wide, false, 60)).toContain('...');
  });

  it('serializes json and yaml as lists, empty ones too', () => {
    expect(JSON.parse(nodesJSON(nodes))).toHaveLength(2);
    expect(nodesJSON([])).toBe('[]\n');
    expect(nodesYAML([])).toBe('[]\n\n');
    expect(nodesYAML(nodes)).toMatch(/^- kind: node\n {2}metadata:\n/);
  });
});
