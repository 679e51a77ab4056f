// Which node a target names: UUID, uuid.cluster, hostname and address with Teleport's port rule,
// hostname.cluster, labels; none and several are errors of their own kinds.
import { describe, expect, it } from 'vitest';
import { BadParameterError, ConnectionProblemError, NotFoundError } from '../../api/errors.js';
import { nodeTarget, targetDialAddr } from '../route/index.js';
import { AmbiguousHostError, parseLabelSelector, resolveNode } from './resolve-node.js';
import { nodeResource } from './testing/fixtures.js';

const A = '0b5b3f7e-2a1c-4d8e-9f00-000000000001';
const B = '0b5b3f7e-2a1c-4d8e-9f00-000000000002';
const C = '0b5b3f7e-2a1c-4d8e-9f00-000000000003';
const nodes = [
  nodeResource(A, 'web', '10.0.0.1:3022', { env: 'prod', role: 'web' }),
  nodeResource(B, 'db', '10.0.0.2:3022', { env: 'prod', role: 'db' }, { public_addrs: ['db.example.com:3022'] }),
  nodeResource(C, 'db', '10.0.0.3:4022', { env: 'stage', role: 'db' }),
  { ...nodeResource('tunnel-node', 'edge', '', {}), spec: { hostname: 'edge', use_tunnel: true } },
  { ...nodeResource('dyn', 'dyn', '10.0.0.9:3022', {}), spec: { hostname: 'dyn', addr: '10.0.0.9:3022', cmd_labels: { arch: { command: ['uname', '-m'], period: '1m', result: 'x86_64' } } } },
];

describe('resolveNode', () => {
  it.each([
    ['by UUID, any port', A, '22', A],
    ['by uuid.cluster', `${A}.root`, '0', A],
    ['by hostname, no port', 'web', '', A],
    ['by hostname, port 0', 'web', '0', A],
    ['by hostname and matching port', 'web', '3022', A],
    ['by hostname.cluster', 'web.root', '3022', A],
    ['by address', '10.0.0.2', '3022', B],
    ['by public address', 'db.example.com', '', B],
    ['by hostname, port picks one of two', 'db', '4022', C],
    ['by labels', 'env=prod,role=db', '22', B],
    ['by a command label', 'arch=x86_64', '', 'dyn'],
    ['by hostname through a tunnel', 'edge', '3022', 'tunnel-node'],
    ['by name that is not a UUID', 'dyn', '', 'dyn'],
  ])('%s', (_title, host, port, want) => {
    expect(resolveNode(nodes, host, port, 'root').metadata.name).toBe(want);
  });

  it('names every candidate when several match', () => {
    const err = catchErr(() => resolveNode(nodes, 'db', '', 'root'));
    expect(err).toBeInstanceOf(AmbiguousHostError);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as AmbiguousHostError).candidates).toEqual([`db (${B})`, `db (${C})`]);
    expect(err.message).toMatch(/^ambiguous host could match multiple nodes: db \(.*2\), db \(.*3\)/);
    expect(catchErr(() => resolveNode(nodes, 'env=prod', '', 'root'))).toBeInstanceOf(AmbiguousHostError);
  });

  it.each([
    ['an unknown host', 'nope', '22', 'node "nope:22" not found: direct dialing to nodes not found in inventory is not supported'],
    ['a known host on another port', 'web', '22', 'node "web:22" not found'],
    ['an unknown UUID', '0b5b3f7e-2a1c-4d8e-9f00-00000000dead', '', 'unable to locate node matching UUID-like target 0b5b3f7e-2a1c-4d8e-9f00-00000000dead'],
    ['unmatched labels', 'env=dev', '', 'no node matches the labels env=dev'],
    ['another cluster suffix', 'web.other', '', 'node "web.other" not found'],
  ])('refuses %s as not found', (_t, host, port, text) => {
    const err = catchErr(() => resolveNode(nodes, host, port, 'root'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).not.toBeInstanceOf(AmbiguousHostError);
    expect(err.message).toContain(text);
  });

  it('refuses a malformed label selector', () => {
    expect(() => resolveNode(nodes, 'env=prod,role', '', 'root')).toThrow(BadParameterError);
    expect(() => parseLabelSelector('=x')).toThrow(BadParameterError);
    expect(parseLabelSelector('a=1, b = 2,c=')).toEqual({ a: '1', b: '2', c: '' });
  });
});

describe('targetDialAddr of a node', () => {
  it('dials the advertised address', () => {
    expect(targetDialAddr(nodeTarget(nodes[0]))).toEqual({ host: '10.0.0.1', port: 3022 });
    expect(targetDialAddr(nodeTarget(nodeResource('v6', 'v6', '[fd00::1]:3022', {})))).toEqual({ host: 'fd00::1', port: 3022 });
  });
  it('refuses tunnel-only nodes and nodes without an address', () => {
    expect(() => targetDialAddr(nodeTarget(nodes[3]))).toThrow(ConnectionProblemError);
    expect(() => targetDialAddr(nodeTarget(nodes[3]))).toThrow('reverse tunnel');
    expect(() => targetDialAddr(nodeTarget(nodeResource('x', 'x', 'x.example.com', {})))).toThrow('no usable address');
  });
});

function catchErr(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}
