import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types/index.js';
import { checkDatabaseAccess } from './db-access.js';
import { applyRoleTraits } from './traits.js';

const role = (name: string, allow: Record<string, unknown>, deny: Record<string, unknown> = {}): Role =>
  ({ kind: 'role', version: 'v7', metadata: { name }, spec: { allow, deny, options: {} } }) as unknown as Role;

const dev = role('dev', { db_labels: { env: ['test', 'staging'] }, db_users: ['{{internal.db_users}}', 'reader'], db_names: ['app*', '^report_[0-9]+$'] });
const noRoot = role('no-root', {}, { db_labels: { '*': '*' }, db_users: ['root'] });
const traits = { db_users: ['alice'] };
const roles = [dev, noRoot].map((r) => applyRoleTraits(r, { traits }));

describe('checkDatabaseAccess', () => {
  it.each([
    ['trait-expanded user, glob name', { env: 'test' }, 'alice', 'app_main', 'dev'],
    ['literal user, regex name', { env: 'staging' }, 'reader', 'report_42', 'dev'],
  ])('allows %s', (_what, labels, dbUser, dbName, by) => {
    expect(checkDatabaseAccess(roles, { labels, dbUser, dbName })).toBe(by);
  });

  it.each([
    ['labels no role allows', { env: 'prod' }, 'alice', 'app', /no role allows this database \(db_labels\)/],
    ['a user not in db_users', { env: 'test' }, 'bob', 'app', /database user "bob" is not in db_users/],
    ['a name not in db_names', { env: 'test' }, 'alice', 'report_x', /database name "report_x" is not in db_names/],
    ['a denied user, even where allowed', { env: 'test' }, 'root', 'app', /role no-root denies database user "root"/],
  ])('refuses %s', (_what, labels, dbUser, dbName, message) => {
    expect(() => checkDatabaseAccess(roles, { labels, dbUser, dbName })).toThrow(message);
    expect(() => checkDatabaseAccess(roles, { labels, dbUser, dbName })).toThrow(/^access to db denied\. User does not have permissions\. Confirm database user and name\./);
  });

  it('lets deny win over a role that allows everything', () => {
    const everything = role('everything', { db_labels: { '*': '*' }, db_users: ['*'], db_names: ['*'] });
    expect(checkDatabaseAccess([everything], { labels: {}, dbUser: 'root', dbName: 'x' })).toBe('everything');
    expect(() => checkDatabaseAccess([everything, noRoot], { labels: {}, dbUser: 'root', dbName: 'x' })).toThrow(/role no-root denies database user "root"/);
  });

  it('leaves database names out when they are not enforced (MySQL), users still decide', () => {
    const noSecrets = role('no-secrets', {}, { db_labels: { '*': '*' }, db_names: ['secrets'] });
    expect(checkDatabaseAccess([...roles, noSecrets], { labels: { env: 'test' }, dbUser: 'alice', dbName: 'secrets', enforceNames: false })).toBe('dev');
    expect(checkDatabaseAccess(roles, { labels: { env: 'test' }, dbUser: 'alice', dbName: '', enforceNames: false })).toBe('dev');
    expect(() => checkDatabaseAccess(roles, { labels: { env: 'test' }, dbUser: 'bob', dbName: 'app', enforceNames: false })).toThrow(/database user "bob" is not in db_users/);
    expect(() => checkDatabaseAccess([...roles, noSecrets], { labels: { env: 'test' }, dbUser: 'alice', dbName: 'secrets' })).toThrow(/role no-secrets denies database name "secrets"/);
  });
});
