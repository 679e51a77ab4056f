import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { newRole } from '../api/types/index.js';
import { applyRoleTraits, applyTraits, isValidUnixLogin } from './traits.js';

const traits = {
  logins: ['alice', 'root'],
  email: ['alice@example.com', 'Alice Smith <asmith@corp.example>'],
  'full name': ['Alice Smith'],
  groups: ['admin-dev', 'admin-prod', 'users'],
  empty: [''],
};

describe('applyTraits', () => {
  it.each([
    ['literal', 'ubuntu', ['ubuntu']],
    ['internal', '{{internal.logins}}', ['alice', 'root']],
    ['external', '{{external.logins}}', ['alice', 'root']],
    ['spaces inside braces', '{{ internal.logins }}', ['alice', 'root']],
    ['bracket form', '{{external["full name"]}}', ['Alice Smith']],
    ['prefix and suffix', 'IAM#{{external.logins}};', ['IAM#alice;', 'IAM#root;']],
    ['email.local', '{{email.local(external.email)}}', ['alice', 'asmith']],
    ['regexp.replace drops non-matching values', '{{regexp.replace(external.groups, "^admin-(.*)$", "$1")}}', ['dev', 'prod']],
    ['regexp.replace keeps a literal prefix in the replacement', '{{regexp.replace(external.groups, "^admin-(.*)$", "team-$1")}}', ['team-dev', 'team-prod']],
    ['strings.upper', '{{strings.upper(internal.logins)}}', ['ALICE', 'ROOT']],
    ['strings.lower', '{{strings.lower(external["full name"])}}', ['alice smith']],
    ['nested functions', '{{strings.upper(email.local(external.email))}}', ['ALICE', 'ASMITH']],
    ['missing trait gives nothing', '{{internal.nope}}', []],
    ['empty values are dropped', '{{external.empty}}', []],
    ['single braces are literal (regex quantifier)', '^[a-z]{1,3}$', ['^[a-z]{1,3}$']],
  ])('%s', (_n, value, want) => {
    expect(applyTraits(value, traits)).toEqual(want);
  });

  it.each([
    ['unclosed', '{{internal.logins'],
    ['unopened', 'internal.logins}}'],
    ['two expressions', '{{internal.a}}{{internal.b}}'],
    ['unknown namespace', '{{foo.bar}}'],
    ['no name', '{{internal}}'],
    ['unknown function', '{{email.domain(external.email)}}'],
    ['wrong arity', '{{regexp.replace(external.groups, "x")}}'],
    ['bad regex', '{{regexp.replace(external.groups, "(", "x")}}'],
    ['string instead of trait', '{{"literal"}}'],
    ['braces inside the expression (as Teleport refuses)', '{{regexp.replace(external.groups, "a", "${1}")}}'],
  ])('malformed: %s', (_n, value) => {
    expect(() => applyTraits(value, traits)).toThrow(BadParameterError);
  });
});

describe('applyRoleTraits', () => {
  const role = newRole('dev', {
    allow: {
      logins: ['{{internal.logins}}', '{{external.email}}', 'ubuntu'],
      node_labels: { '{{internal.label_key}}': ['{{internal.logins}}'], env: 'dev', '{{internal.nope}}': 'x' },
      kubernetes_groups: ['{{internal.kubernetes_groups}}'],
      db_users: ['{{internal.db_users}}', 'reader'],
    },
    deny: { logins: ['{{internal.denied}}'] },
  });
  const user = { spec: { roles: ['dev'], traits: { logins: ['alice', 'bad login'], email: ['a@b.c'], label_key: ['team', 'other'], kubernetes_groups: ['system:masters'], db_users: ['alice'], denied: ['root'] } } };

  it('interpolates logins, dropping invalid Unix logins', () => {
    const r = applyRoleTraits(role, user);
    expect(r.spec.allow.logins).toEqual(['alice', 'ubuntu']);
    expect(r.spec.deny.logins).toEqual(['root']);
  });

  it('interpolates label keys (first value) and values; drops keys whose trait is missing', () => {
    expect(applyRoleTraits(role, user).spec.allow.node_labels).toEqual({ team: ['alice', 'bad login'], env: ['dev'] });
  });

  it('interpolates kubernetes groups and database users', () => {
    const r = applyRoleTraits(role, user);
    expect(r.spec.allow.kubernetes_groups).toEqual(['system:masters']);
    expect(r.spec.allow.db_users).toEqual(['alice', 'reader']);
  });

  it('leaves the original role untouched', () => {
    applyRoleTraits(role, user);
    expect(role.spec.allow.logins).toEqual(['{{internal.logins}}', '{{external.email}}', 'ubuntu']);
  });

  it.each([
    ['root', true],
    ['alice.smith', true],
    ['svc-01', true],
    ['machine$', true],
    ['bad login', false],
    ['-rf', false],
    ['a@b.c', false],
    ['', false],
  ])('isValidUnixLogin(%j) = %s', (login, want) => {
    expect(isValidUnixLogin(login)).toBe(want);
  });
});
