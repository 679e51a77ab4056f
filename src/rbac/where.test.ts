import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { evaluateWhere, parseWhere } from './where.js';

const ctx = {
  user: { metadata: { name: 'alice' }, spec: { roles: ['access', 'dev'], traits: { team: ['blue'], 'full name': ['Alice'] } } },
  resource: { metadata: { name: 'web', labels: { env: 'prod', owner: 'alice' } } },
  session: { participants: ['alice', 'bob'] },
};

describe('evaluateWhere', () => {
  it.each([
    ['contains(session.participants, user.metadata.name)', true],
    ['contains(session.participants, "carol")', false],
    ['contains(user.spec.roles, "dev")', true],
    ['contains(user.spec.traits["team"], "blue")', true],
    ['contains(user.spec.traits["full name"], "Alice")', true],
    ['equals(resource.metadata.labels["env"], "prod")', true],
    ['resource.metadata.labels["env"] == "prod"', true],
    ['resource.metadata.labels["env"] != "prod"', false],
    ['resource.metadata.labels["owner"] == user.metadata.name', true],
    ['!contains(user.spec.roles, "admin")', true],
    ['contains(user.spec.roles, "admin") || equals(user.metadata.name, "alice")', true],
    ['contains(user.spec.roles, "dev") && equals(user.metadata.name, "bob")', false],
    ['(true || false) && !(false)', true],
    ['exists(resource.metadata.labels["env"])', true],
    ['exists(resource.metadata.labels["nope"])', false],
    ['hasPrefix(resource.metadata.name, "we")', true],
    ['contains(user.spec.traits["missing"], "x")', false],
    ['contains(ssh_session.participants, "bob")', true],
  ])('%s -> %s', (expr, want) => {
    expect(evaluateWhere(expr, { ...ctx, ssh_session: ctx.session })).toBe(want);
  });

  it('access preset clause is false without a session', () => {
    expect(evaluateWhere('contains(session.participants, user.metadata.name)', { user: ctx.user })).toBe(false);
  });

  it('refuses a non-boolean result', () => {
    expect(() => evaluateWhere('user.metadata.name', ctx)).toThrow(BadParameterError);
  });
});

describe('parseWhere errors carry the position', () => {
  it.each([
    ['contains(user.spec.roles', 'position 25'],
    ['contains(a, b) &&', 'unexpected end of input'],
    ['frobnicate(a)', 'unsupported function "frobnicate"'],
    ['contains(a)', 'contains takes 2 argument(s)'],
    ['a == "unterminated', 'unterminated string'],
    ['a = b', 'position 3'],
    ['a b', 'position 3 of "a b": unexpected "b"'],
    ['', 'empty expression'],
    ['user.spec.traits[team]', 'expected a quoted key'],
  ])('%j', (src, msg) => {
    expect(() => parseWhere(src)).toThrow(BadParameterError);
    expect(() => parseWhere(src)).toThrow(msg);
  });
});
