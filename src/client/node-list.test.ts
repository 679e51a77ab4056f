import { describe, expect, it } from 'vitest';
import type { Node } from '../api/types/node.js';
import { formatLabels, formatLabelsVerbose, isLabelSelector, matchNodes, nodeAddress, parseLabelSelector, sortNodes } from './node-list.js';

function node(name: string, hostname: string, labels: Record<string, string>, cmd: Record<string, string> = {}, extra: Partial<Node['spec']> = {}): Node {
  return {
    kind: 'node',
    version: 'v2',
    metadata: { name, labels },
    spec: {
      hostname,
      addr: '10.0.0.1:3022',
      cmd_labels: Object.fromEntries(Object.entries(cmd).map(([k, v]) => [k, { command: ['true'], period: '1m', result: v }])),
      ...extra,
    },
  } as Node;
}

describe('node selection and labels', () => {
  it('tells selectors from names and parses them', () => {
    expect(isLabelSelector('env=prod')).toBe(true);
    expect(isLabelSelector('node-1')).toBe(false);
    expect(parseLabelSelector('env=prod, role = web')).toEqual({ env: 'prod', role: 'web' });
    expect(parseLabelSelector('')).toEqual({});
    expect(parseLabelSelector('empty=')).toEqual({ empty: '' });
    expect(() => parseLabelSelector('=x')).toThrow(/invalid label selector "=x"/);
    expect(() => parseLabelSelector('env')).toThrow(/key=value/);
  });

  it('matches static and command labels, all of them', () => {
    const a = node('u1', 'a', { env: 'prod' }, { arch: 'x86_64' });
    const b = node('u2', 'b', { env: 'prod' }, { arch: 'arm64' });
    const c = node('u3', 'c', { env: 'dev' });
    expect(matchNodes([a, b, c], { env: 'prod' })).toEqual([a, b]);
    expect(matchNodes([a, b, c], { env: 'prod', arch: 'arm64' })).toEqual([b]);
    expect(matchNodes([a, b, c], {})).toEqual([a, b, c]);
  });

  it("orders labels as Teleport's tsh ls does", () => {
    const labels = { 'teleport.dev/origin': 'config', 'b': '2', 'a': '1', 'k8s.io/x': 'y', 'aws/Name': 'n' };
    expect(formatLabels(labels)).toBe('a=1,b=2,aws/Name=n,k8s.io/x=y,teleport.dev/origin=config');
    expect(formatLabelsVerbose(labels)).toBe('a=1,aws/Name=n,b=2,k8s.io/x=y,teleport.dev/origin=config');
  });

  it('sorts by hostname then UUID and shows tunnels', () => {
    const nodes = [node('u2', 'b', {}), node('u9', 'a', {}), node('u1', 'b', {})];
    expect(sortNodes(nodes).map((n) => n.metadata.name)).toEqual(['u9', 'u1', 'u2']);
    expect(nodeAddress(node('u', 'h', {}, {}, { use_tunnel: true }))).toBe('⟵ Tunnel');
    expect(nodeAddress(node('u', 'h', {}))).toBe('10.0.0.1:3022');
  });
});
