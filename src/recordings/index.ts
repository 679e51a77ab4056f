/**
 * Session recordings: the node's recorder (spool, part uploads, upload completer), the auth
 * server's storage (`audit_sessions_uri`: a directory or S3), the list of completed recordings and
 * streamed playback as Teleport's JSON events.
 */
export { NodeRecorder } from './node-recorder.js';
export type { NodeRecorderOptions } from './node-recorder.js';
export { DEFAULT_PART_SIZE, SpoolUploader } from './uploader.js';
export type { FinishResult, RecordingUploadTarget } from './uploader.js';
export { spoolRoot } from './spool.js';
export type { RecordingStore } from './recording-store.js';
export { checkPartNumber, checkSessionId, MAX_PARTS } from './recording-store.js';
export { FileRecordingStore } from './file/file-store.js';
export { S3RecordingStore, parseS3URI } from './s3/s3-store.js';
export type { S3StoreOptions } from './s3/s3-store.js';
export { openRecordingStore, sessionsDir } from './store-uri.js';
export { RecordingIndex } from './recording-index.js';
export { ndjson, recordingEvents } from './playback.js';
