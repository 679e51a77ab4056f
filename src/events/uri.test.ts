import { describe, expect, it } from 'vitest';
import { BadParameterError, NotImplementedError } from '../api/errors.js';
import { parseAuditURI } from './uri.js';

const HOUR = 3_600_000;

describe('audit_events_uri: the shared stores', () => {
  it.each([
    ['postgresql://teleport@pg.example.com:5432/teleport_audit', { kind: 'postgresql', connString: 'postgresql://teleport@pg.example.com:5432/teleport_audit', disableCleanup: false }],
    ['postgres://pg/audit?sslmode=verify-full&sslrootcert=/ca.pem', { kind: 'postgresql', connString: 'postgres://pg/audit?sslmode=verify-full&sslrootcert=/ca.pem', disableCleanup: false }],
    [
      'postgresql://u:pw@pg/audit?pool_max_conns=4&connect_timeout=3#disable_cleanup=true&cleanup_interval=30m&retention_period=720h',
      { kind: 'postgresql', connString: 'postgresql://u:pw@pg/audit?connect_timeout=3', poolMax: 4, connectTimeoutMs: 3000, disableCleanup: true, cleanupIntervalMs: HOUR / 2, retentionMs: 720 * HOUR },
    ],
    ['postgresql://pg/audit#auth_mode=static&disable_cleanup=0', { kind: 'postgresql', connString: 'postgresql://pg/audit', disableCleanup: false }],
    ['dynamodb://events_table', { kind: 'dynamodb', tableName: 'events_table', disableConflictCheck: false }],
    [
      'dynamodb://Teleport.Events-1?region=us-east-1&endpoint=http://127.0.0.1:8000&use_fips_endpoint=true',
      { kind: 'dynamodb', tableName: 'Teleport.Events-1', region: 'us-east-1', endpoint: 'http://127.0.0.1:8000', useFipsEndpoint: true, disableConflictCheck: false },
    ],
    ['dynamodb://events/?disable_conflict_check=true&use_fips_endpoint=False', { kind: 'dynamodb', tableName: 'events', useFipsEndpoint: false, disableConflictCheck: true }],
  ])('parses %s', (uri, spec) => {
    expect(parseAuditURI(uri)).toEqual(spec);
  });

  it.each([
    ['postgresql://u:hunter2@pg/audit?sslmode=always', BadParameterError, /sslmode "always" is not one of/],
    ['postgresql://u:hunter2@pg/audit?pool_max_conns=0', BadParameterError, /pool_max_conns "0"/],
    ['postgresql://u:hunter2@pg/audit#retention_period=forever', BadParameterError, /retention_period=forever is not a duration/],
    ['postgresql://u:hunter2@pg/audit#cleanup_interval=0s', BadParameterError, /cleanup_interval must be above zero/],
    ['postgresql://u:hunter2@pg/audit#disable_cleanup=yes', BadParameterError, /disable_cleanup=yes is not a boolean/],
    ['postgresql://u:hunter2@pg/audit#retention=1h', BadParameterError, /unknown fragment parameter "retention" \(supported: disable_cleanup, cleanup_interval, retention_period/],
    ['postgresql://u:hunter2@pg/audit#auth_mode=azure', NotImplementedError, /auth_mode azure is not available/],
    ['postgresql://u:hunter2@pg:port/audit', BadParameterError, /not a URL; write it as postgresql:\/\/user@host:5432\/teleport_audit/],
    ['dynamodb://', BadParameterError, /"" is not a DynamoDB table name/],
    ['dynamodb://ab', BadParameterError, /"ab" is not a DynamoDB table name/],
    ['dynamodb://events/extra', BadParameterError, /with no path/],
    ['dynamodb://events?regoin=us-east-1', BadParameterError, /unknown query parameter "regoin" \(supported: region, endpoint, use_fips_endpoint, disable_conflict_check\)/],
    ['dynamodb://events?region=US East', BadParameterError, /"US East" is not an AWS region/],
    ['dynamodb://events?endpoint=127.0.0.1:8000', BadParameterError, /endpoint "127.0.0.1:8000" is not a URL/],
    ['dynamodb://events?use_fips_endpoint=on', BadParameterError, /use_fips_endpoint=on is not a boolean/],
    ['firestore://events', NotImplementedError, /firestore:\/\/ is not available in this release; use one of file:\/\/, stdout:\/\/, sqlite:\/\/, postgresql:\/\/, dynamodb:\/\//],
    ['mysql://u:hunter2@db/audit', BadParameterError, /unknown scheme "mysql"/],
  ])('refuses %s, saying why and masking passwords', (uri, kind, text) => {
    let err: unknown;
    try {
      parseAuditURI(uri);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(kind);
    expect((err as Error).message).toMatch(text);
    expect((err as Error).message).not.toContain('hunter2');
  });
});
