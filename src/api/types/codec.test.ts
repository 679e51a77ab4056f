import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../errors.js';
import { parseResources, toJSON, toYAML } from './codec.js';
import type { Role } from './role-schema.js';

const TWO = `kind: role
version: v7
metadata:
  name: dev
spec:
  allow:
    logins: ['{{internal.logins}}']
    node_labels:
      env: [dev, staging]
  options:
    max_session_ttl: 8h
---
kind: user
version: v2
metadata:
  name: alice
spec:
  roles: [dev]
  traits:
    logins: [alice]
`;

describe('parseResources', () => {
  it('reads several YAML documents', () => {
    const [role, user] = parseResources(TWO);
    expect(role.kind).toBe('role');
    expect((role as Role).spec.options.max_session_ttl).toBe('8h0m0s');
    expect(user.kind).toBe('user');
    expect(user.metadata.name).toBe('alice');
  });

  it('skips empty documents and comments', () => {
    expect(parseResources(`---\n# nothing\n---\n${TWO}---\n`)).toHaveLength(2);
    expect(parseResources('')).toEqual([]);
  });

  it('reads a JSON object and a JSON array', () => {
    const obj = { kind: 'role', version: 'v7', metadata: { name: 'a' }, spec: {} };
    expect(parseResources(JSON.stringify(obj))).toHaveLength(1);
    expect(parseResources(JSON.stringify([obj, { ...obj, metadata: { name: 'b' } }]))).toHaveLength(2);
  });

  it.each([
    ['field error names document and kind', `${TWO}---\nkind: role\nversion: v7\nmetadata: {name: bad}\nspec:\n  allow:\n    logins: ['*']\n`, 'document 3 (kind: role): spec.allow.logins: wildcard matcher'],
    ['unknown kind', 'kind: widget\nversion: v1\nmetadata: {name: x}\n', 'document 1: unsupported resource kind "widget"'],
    ['missing kind', 'version: v1\nmetadata: {name: x}\n', 'document 1: missing "kind"'],
    ['missing name', 'kind: role\nversion: v7\nmetadata: {}\nspec: {}\n', 'document 1 (kind: role): metadata.name: name is required'],
    ['scalar document', 'just a string\n', 'document 1: expected a resource object'],
    ['YAML syntax error gives the line', 'kind: role\nversion: v7\nmetadata:\n  name: [unclosed\n', 'YAML syntax error at line'],
    ['bad JSON', '{"kind": "role",', 'invalid JSON'],
    ['selector error in second doc', `${TWO.split('---')[1]}---\nkind: role\nversion: v6\nmetadata: {name: r}\nspec:\n  allow:\n    node_labels: {'*': prod}\n`, 'document 2 (kind: role): spec.allow.node_labels: selector *:prod is not supported'],
  ])('%s', (_n, text, msg) => {
    expect(() => parseResources(text)).toThrow(BadParameterError);
    expect(() => parseResources(text)).toThrow(msg);
  });

  it('reports the YAML error line number', () => {
    try {
      parseResources('kind: role\nversion: v7\nmetadata:\n  name: "x\n');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/line \d+/);
    }
  });
});

describe('toYAML / toJSON', () => {
  it('prints as tctl get does: sorted keys, Go durations, scalar single-value labels, --- between documents', () => {
    const out = toYAML(parseResources(TWO));
    const docs = out.split(/^---$/m);
    expect(docs).toHaveLength(2);
    expect(out).toContain('max_session_ttl: 8h0m0s');
    expect(out).toMatch(/^kind: role\nmetadata:\n  name: dev\nspec:\n/);
    expect(out).toContain('\nversion: v7\n');
    expect(out).toContain("    - '{{internal.logins}}'");
    expect(out).not.toContain('namespaces');
    const single = toYAML(parseResources("kind: role\nversion: v7\nmetadata: {name: a}\nspec: {allow: {node_labels: {'*': '*'}}}\n"));
    expect(single).toContain("      '*': '*'\n");
    expect(single).toContain('  deny: {}\n');
  });

  it('JSON is an indented array in kind, version, metadata, spec order', () => {
    const out = toJSON(parseResources(TWO));
    const arr = JSON.parse(out) as Record<string, unknown>[];
    expect(arr).toHaveLength(2);
    expect(Object.keys(arr[0])).toEqual(['kind', 'version', 'metadata', 'spec']);
    expect(out).toContain('\n    {\n        "kind": "role"');
  });

  it('round-trips YAML and JSON', () => {
    const rs = parseResources(TWO);
    expect(parseResources(toYAML(rs))).toEqual(rs);
    expect(parseResources(toJSON(rs))).toEqual(rs);
  });

  it('quotes YAML 1.1 booleans so Go reads them back as strings', () => {
    const out = toYAML(parseResources('kind: user\nversion: v2\nmetadata: {name: bob}\nspec: {traits: {logins: ["yes", "no"]}}\n'));
    expect(out).toContain("- 'yes'");
  });
});

// Found by test/fuzz/resources.fuzz.test.ts (FUZZ_SEED=6, case 805): a "__proto__" key inside a part
// of a role kept as given (join_sessions) was stored, then lost when the role was printed and read back.
describe('__proto__ keys', () => {
  it.each([
    ['JSON', '{"kind":"role","version":"v7","metadata":{"name":"r"},"spec":{"allow":{"join_sessions":[{"name":"j","__proto__":{"x":1}}]}}}'],
    ['YAML', 'kind: user\nversion: v2\nmetadata: {name: u}\nspec:\n  traits:\n    __proto__: [root]\n'],
  ])('are refused in %s resources, naming the field', (_format, text) => {
    expect(() => parseResources(text)).toThrow(/document 1: spec\.(allow\.join_sessions\[0\]|traits): a key named "__proto__" is not allowed/);
  });
});
