// Where recordings go and whether they are made: a cluster whose audit_sessions_uri is an S3
// bucket (s3rver, started here) records and plays back through S3; a cluster with
// session_recording: off records nothing.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { S3Client, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../src/recordings/testing/s3rver.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';
import { identityUser, type IdentityUser } from './helpers/identity-user.js';
import { listedSessions, waitForNewRecording } from './helpers/recordings.js';

const me = userInfo().username;

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

describe('recordings in S3 (audit_sessions_uri: s3://...)', () => {
  let s3: LocalS3;
  let c: TestCluster;
  let alice: IdentityUser;

  beforeAll(async () => {
    s3 = await startLocalS3(['teleport-recordings']);
    // The SDK's default credential chain reads these (this test file runs in its own worker).
    Object.assign(process.env, s3.env);
    c = await startCluster({ clusterName: 's3.test', nodename: 'node-1', ssh: '', authExtra: `audit_sessions_uri: "${s3.uri('teleport-recordings', 'cluster/sessions')}"` });
    alice = await identityUser(c, 'alice', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await c?.close();
    await s3?.close();
  });

  it('stores the recording in the bucket under the prefix and plays it back from there', async () => {
    const r = await alice.tsh(['ssh', '-l', me, 'node-1', 'echo kept-in-s3']);
    expect(r).toMatchObject({ code: 0, out: 'kept-in-s3\n' });
    const rec = await waitForNewRecording(alice, new Set());
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: 'teleport-recordings' }))).Contents ?? []).map((o) => o.Key);
    client.destroy();
    // Staged parts are gone once the recording is assembled.
    expect(keys).toEqual([`cluster/sessions/${String(rec.sid)}.rec`]);
    expect(await list(join(c.dataDir, 'log', 'upload', 'sessions', 'default'))).toEqual([]);
    const text = await alice.tsh(['play', '-f', 'text', String(rec.sid)]);
    expect(text).toMatchObject({ code: 0, out: 'kept-in-s3\n' });
  });

  it('refuses a session it cannot record when a role says record_session: strict, and runs it otherwise', async () => {
    const admin = await c.admin();
    await admin.createResource({
      kind: 'role',
      version: 'v7',
      metadata: { name: 'strict-recording' },
      spec: { options: { record_session: { ssh: 'strict' } }, allow: { logins: [me], node_labels: { '*': '*' } } },
    });
    const strict = await identityUser(c, 'sam', ['strict-recording'], [me]);
    // The node cannot create a spool: a file where its directory should be.
    const spool = join(c.dataDir, 'log', 'upload', 'streaming', 'default');
    await rm(spool, { recursive: true, force: true });
    await writeFile(spool, '');
    try {
      const refused = await strict.tsh(['ssh', '-l', me, 'node-1', 'echo should-not-run']);
      expect(refused.code).toBe(255);
      expect(refused.out).toBe('');
      expect(refused.err).toMatch(/Failed to launch: the session cannot be recorded: /);
      const bestEffort = await alice.tsh(['ssh', '-l', me, 'node-1', 'echo runs-unrecorded']);
      expect(bestEffort).toMatchObject({ code: 0, out: 'runs-unrecorded\n' });
    } finally {
      await rm(spool, { force: true });
      await mkdir(spool, { recursive: true });
      await strict.cleanup();
    }
  });
});

describe('session_recording: off', () => {
  let c: TestCluster;
  let alice: IdentityUser;

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'off.test', nodename: 'node-1', ssh: '', authExtra: 'session_recording: "off"' });
    alice = await identityUser(c, 'alice', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await c?.close();
  });

  it('records nothing, at the node or on the auth server', async () => {
    expect((await alice.tsh(['ssh', '-l', me, 'node-1', 'echo unrecorded'])).out).toBe('unrecorded\n');
    const t = alice.spawn(['ssh', '-l', me, 'node-1']);
    t.p.write('echo interactive-unrecorded; exit\r');
    expect(await t.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await listedSessions(alice)).toEqual(new Set());
    expect(await list(join(c.dataDir, 'log', 'upload', 'streaming', 'default'))).toEqual([]);
    expect(await list(join(c.dataDir, 'log', 'upload', 'sessions', 'default'))).toEqual([]);
  });
});
