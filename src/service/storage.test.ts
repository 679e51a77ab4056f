import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { parseConfig } from '../config/index.js';
import { backendSpec } from './storage.js';

const dir = mkdtempSync(join(tmpdir(), 'storage-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const storageOf = (body: string): ReturnType<typeof parseConfig>['teleport']['storage'] =>
  parseConfig(`teleport:\n  data_dir: /var/lib/teleport\n  storage:\n${body}`, { hostname: 'h' }).teleport.storage;

describe('backendSpec', () => {
  it('puts SQLite at <path>/sqlite.db by default', async () => {
    expect(await backendSpec(parseConfig('teleport: {data_dir: /d}\n').teleport.storage)).toEqual({ type: 'sqlite', path: '/d/backend/sqlite.db' });
  });

  it('maps postgresql settings', async () => {
    const spec = await backendSpec(
      storageOf('    type: postgresql\n    conn_string: postgresql://db/x\n    change_feed_poll_interval: 2s\n    expiry_interval: 5s\n'),
    );
    expect(spec).toMatchObject({ type: 'postgresql', connString: 'postgresql://db/x', changeFeedPollIntervalMs: 2000, sweepIntervalMs: 5000, disableExpiry: false });
  });

  it('maps etcd settings and reads password_file, trimmed', async () => {
    const pw = join(dir, 'etcd-password');
    writeFileSync(pw, 's3cret\n');
    const spec = await backendSpec(
      storageOf(`    type: etcd\n    peers: [https://e:2379]\n    prefix: teleport\n    tls_ca_file: /ca.pem\n    username: tele\n    password_file: ${pw}\n    dial_timeout: 3s\n`),
    );
    expect(spec).toMatchObject({ type: 'etcd', peers: ['https://e:2379'], prefix: '/teleport', tlsCaFile: '/ca.pem', username: 'tele', password: 's3cret', dialTimeoutMs: 3000 });
  });

  it('an unreadable password_file is a BadParameterError naming it', async () => {
    const err = await backendSpec(
      storageOf('    type: etcd\n    peers: [https://e:2379]\n    prefix: /t\n    insecure: true\n    username: u\n    password_file: /nonexistent/pw\n'),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toContain('/nonexistent/pw');
  });

  it('maps dynamodb settings', async () => {
    const spec = await backendSpec(
      storageOf('    type: dynamodb\n    table_name: t\n    region: eu-west-1\n    endpoint: http://127.0.0.1:4567\n    poll_stream_period: 300ms\n'),
    );
    expect(spec).toMatchObject({ type: 'dynamodb', tableName: 't', region: 'eu-west-1', endpoint: 'http://127.0.0.1:4567', pollStreamPeriodMs: 300, billingMode: 'pay_per_request' });
  });
});
