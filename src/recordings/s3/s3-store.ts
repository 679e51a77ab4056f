/**
 * Recordings in S3 (`audit_sessions_uri: s3://bucket/prefix?region=&endpoint=&insecure=&disablesse=&sse_kms_key=&acl=`),
 * the one place that imports the AWS SDK. Parts are staged as objects `<prefix>/multi/<sid>/<n>.part`
 * (any size: node-sync sends small ones); `complete` streams them in order into `<prefix>/<sid>.rec`
 * with a managed multipart upload (bounded memory) and deletes the staged parts. Credentials come
 * from the SDK's default chain (environment, profile, instance role).
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ObjectCannedACL,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { AlreadyExistsError, BadParameterError, ConnectionProblemError, NotFoundError, TeleportError } from '../../api/errors.js';
import { checkPartNumber, checkSessionId, type RecordingStore } from '../recording-store.js';

/** Where and how to store. */
export interface S3StoreOptions {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket's root). */
  prefix: string;
  region?: string;
  /** A custom endpoint (MinIO, s3rver, ...); implies path-style addressing. */
  endpoint?: string;
  /** Server-side encryption: AES256 unless disabled; aws:kms with a key ID. */
  disableSSE?: boolean;
  sseKmsKey?: string;
  acl?: string;
  useFipsEndpoint?: boolean;
  /** Explicit credentials (tests); otherwise the default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Parses `s3://bucket/prefix?...` (Teleport's query parameters). BadParameterError when malformed. */
export function parseS3URI(uri: string): S3StoreOptions {
  let u: URL;
  try {
    u = new URL(uri);
  } catch (err) {
    throw new BadParameterError(`audit_sessions_uri: "${uri}" is not a URI`, { cause: err });
  }
  if (u.protocol !== 's3:' || u.hostname === '') throw new BadParameterError(`audit_sessions_uri: "${uri}" must look like s3://bucket/prefix`);
  const q = u.searchParams;
  const flag = (name: string): boolean => ['1', 'true', 'yes'].includes((q.get(name) ?? '').toLowerCase());
  let endpoint = q.get('endpoint') ?? undefined;
  if (endpoint && !/^https?:\/\//.test(endpoint)) endpoint = `${flag('insecure') ? 'http' : 'https'}://${endpoint}`;
  return {
    bucket: u.hostname,
    prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ''),
    ...(q.get('region') && { region: q.get('region')! }),
    ...(endpoint && { endpoint }),
    disableSSE: flag('disablesse'),
    ...(q.get('sse_kms_key') && { sseKmsKey: q.get('sse_kms_key')! }),
    ...(q.get('acl') && { acl: q.get('acl')! }),
    useFipsEndpoint: flag('use_fips_endpoint'),
  };
}

const partName = (n: number): string => `${String(n).padStart(7, '0')}.part`;

/** An S3 bucket (or prefix) of recordings. */
export class S3RecordingStore implements RecordingStore {
  private readonly client: S3Client;

  constructor(private readonly opts: S3StoreOptions) {
    // The SDK prints a multi-line notice about its future Node requirement on Node 20 (our floor)
    // to stderr, outside the process's structured log.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: opts.region ?? 'us-east-1',
      ...(opts.endpoint && { endpoint: opts.endpoint, forcePathStyle: true }),
      ...(opts.credentials && { credentials: opts.credentials }),
      ...(opts.useFipsEndpoint && { useFipsEndpoint: true }),
      // Streamed bodies with checksums computed by default are stored corrupted by some S3 stand-ins.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(name: string): string {
    return this.opts.prefix === '' ? name : `${this.opts.prefix}/${name}`;
  }

  private finalKey(sid: string): string {
    return this.key(`${sid}.rec`);
  }

  private stagingPrefix(sid: string): string {
    return this.key(`multi/${sid}/`);
  }

  private writeParams(): Partial<PutObjectCommandInput> {
    const o = this.opts;
    return {
      ...(!o.disableSSE && (o.sseKmsKey ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: o.sseKmsKey } : { ServerSideEncryption: 'AES256' })),
      ...(o.acl && { ACL: o.acl as ObjectCannedACL }),
    };
  }

  async uploadPart(sid: string, part: number, data: Buffer): Promise<void> {
    checkSessionId(sid);
    checkPartNumber(part);
    if (await this.exists(this.finalKey(sid))) throw new AlreadyExistsError(`the recording of session ${sid} is already complete`);
    await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: this.stagingPrefix(sid) + partName(part), Body: data, ...this.writeParams() })));
  }

  async complete(sid: string, parts: number): Promise<void> {
    checkSessionId(sid);
    checkPartNumber(parts);
    const target = this.finalKey(sid);
    if (await this.exists(target)) throw new AlreadyExistsError(`the recording of session ${sid} is already complete`);
    const staged = await this.listStaged(sid);
    for (let n = 1; n <= parts; n++) {
      if (!staged.has(this.stagingPrefix(sid) + partName(n))) throw new BadParameterError(`part ${n} of the recording of session ${sid} was never uploaded`);
    }
    const body = Readable.from(this.stagedParts(sid, parts));
    try {
      await new Upload({
        client: this.client,
        params: { Bucket: this.opts.bucket, Key: target, Body: body, ...this.writeParams() },
        queueSize: 2,
        partSize: 5 * 1024 * 1024,
      }).done();
    } catch (err) {
      throw this.mapError(err);
    }
    const keys = [...staged];
    for (let i = 0; i < keys.length; i += 1000) {
      await this.call(() =>
        this.client.send(new DeleteObjectsCommand({ Bucket: this.opts.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } })),
      );
    }
  }

  async open(sid: string): Promise<Readable> {
    checkSessionId(sid);
    const res = await this.call(() => this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.finalKey(sid) })), `Recording for session ${sid} not found.`);
    return res.Body as Readable;
  }

  url(sid: string): string {
    return `s3://${this.opts.bucket}/${this.finalKey(sid)}`;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** The staged parts' bytes in order, each fetched when the previous one has been read. */
  private async *stagedParts(sid: string, parts: number): AsyncGenerator<Buffer> {
    for (let n = 1; n <= parts; n++) {
      const key = this.stagingPrefix(sid) + partName(n);
      const res = await this.call(() => this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key })));
      yield* res.Body as Readable;
    }
  }

  private async listStaged(sid: string): Promise<Set<string>> {
    const keys = new Set<string>();
    let token: string | undefined;
    do {
      const res = await this.call(() => this.client.send(new ListObjectsV2Command({ Bucket: this.opts.bucket, Prefix: this.stagingPrefix(sid), ContinuationToken: token })));
      for (const o of res.Contents ?? []) if (o.Key) keys.add(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return true;
    } catch (err) {
      if (httpStatusOf(err) === 404) return false;
      throw this.mapError(err);
    }
  }

  /** Runs an SDK call, mapping its failures to our error kinds. */
  private async call<T>(fn: () => Promise<T>, notFound?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err, notFound);
    }
  }

  private mapError(err: unknown, notFound?: string): Error {
    if (err instanceof TeleportError) return err;
    const status = httpStatusOf(err);
    const name = (err as { name?: string }).name ?? '';
    const where = `s3://${this.opts.bucket}/${this.opts.prefix}`;
    if (status === 404 || name === 'NoSuchKey') return new NotFoundError(notFound ?? `not found in ${where}`, { cause: err });
    if (name === 'NoSuchBucket') return new BadParameterError(`audit_sessions_uri: the bucket "${this.opts.bucket}" does not exist`, { cause: err });
    return new ConnectionProblemError(`recording storage ${where}: ${(err as Error).message || name}`, { cause: err });
  }
}

function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
