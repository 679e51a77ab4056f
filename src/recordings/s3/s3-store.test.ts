import { describe, expect, it } from 'vitest';
import { startLocalS3 } from '../testing/s3rver.js';
import { runRecordingStoreSuite } from '../testing/suite.js';
import { parseS3URI, S3RecordingStore } from './s3-store.js';

runRecordingStoreSuite('s3 (s3rver)', async () => {
  const s3 = await startLocalS3(['recordings']);
  const opts = parseS3URI(s3.uri('recordings', 'teleport/sessions'));
  return { store: new S3RecordingStore({ ...opts, credentials: s3.credentials }), cleanup: () => s3.close() };
});

describe('s3 audit_sessions_uri', () => {
  it("parses Teleport's query parameters", () => {
    expect(parseS3URI('s3://bucket/a/b/?region=eu-west-1&endpoint=minio:9000&insecure=true&disablesse=true&acl=private')).toEqual({
      bucket: 'bucket',
      prefix: 'a/b',
      region: 'eu-west-1',
      endpoint: 'http://minio:9000',
      disableSSE: true,
      acl: 'private',
      useFipsEndpoint: false,
    });
    expect(parseS3URI('s3://bucket?sse_kms_key=k1')).toMatchObject({ bucket: 'bucket', prefix: '', sseKmsKey: 'k1', disableSSE: false });
    expect(() => parseS3URI('s3:///nobucket')).toThrow(/must look like s3:\/\/bucket\/prefix/);
  });
});
