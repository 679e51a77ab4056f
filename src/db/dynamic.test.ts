import { describe, expect, it } from 'vitest';
import { validateDatabase } from '../api/types/database.js';
import { databaseFromResource } from './dynamic.js';

describe('a db resource as the agent serves it', () => {
  it('logs in with IAM tokens for spec.aws.region and greets with spec.mysql.server_version, as a static entry does', () => {
    const db = validateDatabase({
      kind: 'db',
      version: 'v3',
      metadata: { name: 'aurora', labels: { env: 'test' } },
      spec: { protocol: 'mysql', uri: 'aurora.cluster-x.us-east-1.rds.amazonaws.com', aws: { region: 'us-east-1' }, mysql: { server_version: '8.0.36' } },
    });
    expect(databaseFromResource(db)).toMatchObject({
      name: 'aurora',
      protocol: 'mysql',
      uri: { host: 'aurora.cluster-x.us-east-1.rds.amazonaws.com', port: 3306 },
      aws: { region: 'us-east-1' },
      mysql: { serverVersion: '8.0.36' },
    });
  });

  it('has neither without them', () => {
    const db = validateDatabase({ kind: 'db', version: 'v3', metadata: { name: 'pg' }, spec: { protocol: 'postgres', uri: 'h' } });
    const c = databaseFromResource(db);
    expect(c.aws).toBeUndefined();
    expect(c.mysql).toBeUndefined();
  });
});
