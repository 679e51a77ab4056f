import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.js';

const opts = { path: 'teleport.yaml', hostname: 'h' };
const db = (body: string) => parseConfig(`db_service:\n  enabled: "yes"\n${body}`, opts);

describe('db_service', () => {
  it('reads databases with Teleport keys and defaults', () => {
    const cfg = db(
      [
        '  databases:',
        '  - name: pg-main',
        '    description: "PostgreSQL on the host"',
        '    protocol: postgres',
        '    uri: 127.0.0.1:5433',
        '    static_labels: {env: test}',
        '    tls: {mode: verify-ca, ca_cert_file: /etc/server.cas}',
        '  - {name: pg-two, protocol: postgres, uri: "db.internal", ca_cert_file: /x.cas}',
        '',
      ].join('\n'),
    );
    expect(cfg.services.db).toBe(true);
    const [a, b] = cfg.db.databases;
    expect(a).toMatchObject({ name: 'pg-main', description: 'PostgreSQL on the host', protocol: 'postgres', uri: { host: '127.0.0.1', port: 5433 }, staticLabels: { env: 'test' } });
    expect(a.tls).toEqual({ mode: 'verify-ca', caCertFile: '/etc/server.cas' });
    expect(b.uri).toEqual({ host: 'db.internal', port: 5432 });
    expect(b.tls).toEqual({ mode: 'verify-full', caCertFile: '/x.cas' });
  });

  it('reads mysql.server_version of a MySQL database and refuses it elsewhere or with a line break', () => {
    const base = '  databases:\n  - name: m\n    protocol: mysql\n    uri: h\n';
    expect(db(`${base}    mysql: {server_version: 8.0.36-log}\n`).db.databases[0].mysql).toEqual({ serverVersion: '8.0.36-log' });
    expect(db(base).db.databases[0].mysql).toBeUndefined();
    expect(() => db('  databases:\n  - {name: p, protocol: postgres, uri: h, mysql: {server_version: "8.0"}}\n')).toThrow(/mysql.server_version is for MySQL databases; "p" is postgres/);
    expect(() => db(`${base}    mysql: {server_version: "8.0\\n"}\n`)).toThrow(/must be one line without NUL bytes/);
    expect(() => db(`${base}    mysql: {version: "8.0"}\n`)).toThrow(/version/);
  });

  it('reads resources label selectors', () => {
    const cfg = db('  resources:\n  - labels: {env: test, team: [db, "web-*"]}\n  - labels: {"*": "*"}\n');
    expect(cfg.db.resources).toEqual([{ labels: { env: ['test'], team: ['db', 'web-*'] } }, { labels: { '*': ['*'] } }]);
    expect(db('  databases: []\n').db.resources).toEqual([]);
  });

  it.each([
    ['  resources:\n  - labels: {}\n', /db_service.resources\[0\].labels: labels is required/],
    ['  resources:\n  - labels: {env: }\n', /db_service.resources\[0\].labels.env: label "env" has no value/],
    ['  resources:\n  - labels: [env]\n', /db_service.resources\[0\].labels: expected a mapping of label keys to values/],
    ['  aws: {region: us-east-1}\n', /db_service.aws: aws is not supported/],
    ['  databases:\n  - {name: a, protocol: mongodb, uri: "h:27017"}\n', /protocol "mongodb" is not supported by this release yet \(supported: postgres, mysql\)/],
    ['  databases:\n  - {name: a, protocol: postgres, uri: "h:1", aws: {rds: {instance_id: x}, region: x}}\n', /databases\[0\]\.aws\.rds: aws.rds is not supported/],
    ['  databases:\n  - {name: a, protocol: postgres, uri: "h:1", admin_user: {name: x}}\n', /admin_user is not supported/],
    ['  databases:\n  - {name: Bad_Name, protocol: postgres, uri: "h:1"}\n', /invalid database name "Bad_Name"/],
    ['  databases:\n  - {name: a, uri: "h:1"}\n', /protocol is required/],
    ['  databases:\n  - {name: a, protocol: postgres}\n', /uri is required/],
    ['  databases:\n  - {name: a, protocol: postgres, uri: "h:1", tls: {mode: strict}}\n', /tls.mode: unsupported value "strict"; expected one of: verify-full, verify-ca, insecure/],
    ['  databases:\n  - {name: a, protocol: postgres, uri: "h:1", wat: 1}\n', /unknown key "wat"/],
    ['  databases:\n  - {name: a, protocol: postgres, uri: "h:1"}\n  - {name: a, protocol: postgres, uri: "h:2"}\n', /database "a" is listed twice/],
  ])('refuses %j', (body, message) => {
    expect(() => db(body)).toThrow(message);
  });

  it('keeps later keys of a disabled section without refusing them', () => {
    const cfg = parseConfig('db_service:\n  enabled: no\n  aws:\n  - types: [rds]\n', opts);
    expect(cfg.services.db).toBe(false);
    expect(cfg.db.settings.aws).toEqual([{ types: ['rds'] }]);
  });
});
