import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../../api/errors.js';
import { toGoJSON, toTeleportYAML, writeFormatted } from './format.js';
import { captureIO } from './io.js';

describe('toGoJSON', () => {
  it('indents by four spaces, escapes HTML characters and ends with a newline', () => {
    expect(toGoJSON({ a: '<b>&', n: [1, 2], e: {}, l: [] })).toBe(
      '{\n    "a": "\\u003cb\\u003e\\u0026",\n    "n": [\n        1,\n        2\n    ],\n    "e": {},\n    "l": []\n}\n',
    );
  });
});

describe('toTeleportYAML', () => {
  it('prints a list of objects as documents separated by ---, keys sorted, sequences not indented', () => {
    const roles = [
      { kind: 'role', version: 'v7', metadata: { name: 'a' }, spec: { allow: { logins: ['root', 'ubuntu'] } } },
      { kind: 'role', metadata: { name: 'b' }, skipped: undefined },
    ];
    expect(toTeleportYAML(roles)).toBe(
      'kind: role\nmetadata:\n  name: a\nspec:\n  allow:\n    logins:\n    - root\n    - ubuntu\nversion: v7\n---\nkind: role\nmetadata:\n  name: b\n',
    );
  });

  it('prints [] for an empty list and a plain list as one document', () => {
    expect(toTeleportYAML([])).toBe('[]\n');
    expect(toTeleportYAML(['a', 'b'])).toBe('- a\n- b\n');
  });
});

describe('writeFormatted', () => {
  const value = [{ name: 'alice', roles: ['access'] }];
  const text = (v: typeof value) => v.map((u) => `${u.name}\n`).join('');

  it.each([
    ['text', 'alice\n'],
    ['json', '[\n    {\n        "name": "alice",\n        "roles": [\n            "access"\n        ]\n    }\n]\n'],
    ['yaml', 'name: alice\nroles:\n- access\n'],
    ['JSON', '[\n    {\n        "name": "alice",\n        "roles": [\n            "access"\n        ]\n    }\n]\n'],
  ])('%s', (format, want) => {
    const c = captureIO();
    writeFormatted(c.io, format, value, text);
    expect(c.out()).toBe(want);
  });

  it('refuses an unknown format and writes nothing', () => {
    const c = captureIO();
    expect(() => writeFormatted(c.io, 'xml', value, text)).toThrow(BadParameterError);
    expect(() => writeFormatted(c.io, 'xml', value, text)).toThrow('unsupported format "xml"');
    expect(c.out()).toBe('');
  });
});
