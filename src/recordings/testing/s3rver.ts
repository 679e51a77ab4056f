/**
 * s3rver (a local stand-in for S3) for tests: started on 127.0.0.1 port 0 with a temp directory and
 * the given buckets. It accepts only the credentials S3RVER/S3RVER; `env` holds them for the SDK's
 * default provider chain, `uri(bucket, prefix)` is an audit_sessions_uri pointing at it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

/** A running s3rver. */
export interface LocalS3 {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  env: Record<string, string>;
  uri(bucket: string, prefix?: string): string;
  close(): Promise<void>;
}

/** Starts s3rver with `buckets` created. */
export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    uri: (bucket, prefix = '') => `s3://${bucket}/${prefix}?region=us-east-1&endpoint=${encodeURIComponent(endpoint)}&disablesse=true`,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
