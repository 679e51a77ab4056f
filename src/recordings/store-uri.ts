/**
 * `audit_sessions_uri` to a RecordingStore: unset means a directory under the auth server's
 * data_dir (Teleport's `log/upload/sessions/default`), `file:///path` a directory, `s3://...` S3.
 * Other schemes (gs://, azblob://) are refused with a clear error.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadParameterError, NotImplementedError } from '../api/errors.js';
import { FileRecordingStore } from './file/file-store.js';
import type { RecordingStore } from './recording-store.js';
import { S3RecordingStore, parseS3URI } from './s3/s3-store.js';

/** The default recordings directory of an auth server. */
export function sessionsDir(dataDir: string): string {
  return join(dataDir, 'log', 'upload', 'sessions', 'default');
}

/** Opens the store `uri` names (or the default directory). BadParameterError / NotImplementedError for URIs we cannot serve. */
export function openRecordingStore(uri: string | undefined, dataDir: string): RecordingStore {
  if (!uri) return new FileRecordingStore(sessionsDir(dataDir));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'file') return new FileRecordingStore(fileURLToPath(uri));
  if (scheme === 's3') return new S3RecordingStore(parseS3URI(uri));
  if (scheme === undefined && uri.startsWith('/')) return new FileRecordingStore(uri);
  if (scheme === 'gs' || scheme === 'azblob') throw new NotImplementedError(`audit_sessions_uri: ${scheme}:// storage is not available in this release; use file:// or s3://`);
  throw new BadParameterError(`audit_sessions_uri: unsupported URI "${uri}": expected file:///path or s3://bucket/prefix`);
}
