// From teleport.yaml to a searchable audit log on the shared stores: audit_events_uri lists naming
// PostgreSQL (the machine's server, a schema of its own) or DynamoDB (dynalite) before a file://
// directory; the first is searched, every sink gets each event.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { ConnectionProblemError } from '../api/errors.js';
import { startDynalite, type LocalDynamo } from '../backend/testing/dynalite.js';
import { TEST_PG_CONN, pgQuery } from '../backend/testing/pg-schemas.js';
import { parseConfig } from '../config/index.js';
import { auditEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { openAuditLog } from './audit-service.js';

const CONN = TEST_PG_CONN;
const schema = `evsvc_${process.pid}_${randomBytes(3).toString('hex')}`;
let dir: string;
let dynamo: LocalDynamo;

const sql = pgQuery;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-svc-'));
  dynamo = await startDynalite();
  await sql(`CREATE SCHEMA "${schema}"`);
});
afterAll(async () => {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await dynamo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const clock = new FakeClock(Date.UTC(2026, 2, 1, 12));
const login = (user: string) => auditEvent('user.login', 'T1000I', { user, method: 'local', success: true });

describe('audit_events_uri from teleport.yaml', () => {
  it('postgresql:// first, then file://: events land in both, searches go to PostgreSQL', async () => {
    const pgURI = `${CONN}?options=${encodeURIComponent(`-c search_path=${schema}`)}#retention_period=720h`;
    const yaml = `teleport:\n  data_dir: ${dir}/pg\n  storage:\n    audit_events_uri: ['${pgURI}', 'file://${dir}/pg-log']\n`;
    const log = await openAuditLog(parseConfig(yaml, { hostname: 'h' }), clock, silentLogger);
    expect(log.uris).toEqual([pgURI.replace(/#.*/, ''), `file://${dir}/pg-log`]);
    await log.emit(login('alice'));
    await log.emit(login('bob'));
    expect((await log.search({ user: 'bob' })).events).toMatchObject([{ event: 'user.login', user: 'bob' }]);
    expect((await sql(`SELECT event_user FROM "${schema}".audit_events ORDER BY event_time, uid`)).rows).toEqual([{ event_user: 'alice' }, { event_user: 'bob' }]);
    expect(await readdir(join(dir, 'pg-log'))).toHaveLength(1);
    await log.close();
  });

  it('dynamodb:// with the storage section\'s region and credentials, as in the AWS guides', async () => {
    const yaml = [
      'teleport:',
      `  data_dir: ${dir}/ddb`,
      '  storage:',
      '    type: dynamodb',
      '    region: us-east-1',
      '    table_name: teleport-backend',
      '    access_key: fake',
      '    secret_key: fake',
      `    audit_events_uri: ['dynamodb://teleport-events?endpoint=${dynamo.endpoint}', 'file://${dir}/ddb-log']`,
      '',
    ].join('\n');
    const config = parseConfig(yaml, { hostname: 'h' });
    const [a, b] = [await openAuditLog(config, clock, silentLogger), await openAuditLog(config, clock, silentLogger)];
    expect(a.uris[0]).toBe(`dynamodb://teleport-events?region=us-east-1&endpoint=${encodeURIComponent(dynamo.endpoint)}`);
    await a.emit(login('alice'));
    await b.emit(login('bob'));
    for (const log of [a, b]) expect((await log.search({})).events.map((e) => e.user)).toEqual(['alice', 'bob']);
    await a.close();
    await b.close();
  });

  it('refuses to start on a store it cannot reach', async () => {
    const yaml = `teleport:\n  data_dir: ${dir}/bad\n  storage:\n    audit_events_uri: ['file://${dir}/bad-log', 'postgresql://u:pw@127.0.0.1:1/x?connect_timeout=2']\n`;
    await expect(openAuditLog(parseConfig(yaml, { hostname: 'h' }), clock, silentLogger)).rejects.toBeInstanceOf(ConnectionProblemError);
  });
});
