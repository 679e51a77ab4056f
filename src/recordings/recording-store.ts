/**
 * Where the auth server keeps recordings (`audit_sessions_uri`): parts arrive numbered from the
 * node, `complete` assembles them into one object per session, and playback streams that object
 * back. Implementations: a directory (file://, the default) and S3 (s3://); both run the
 * conformance suite in testing/suite.ts.
 */
import type { Readable } from 'node:stream';
import { BadParameterError } from '../api/errors.js';

/** A recording store. Errors: BadParameterError (bad input, missing part), AlreadyExistsError, NotFoundError, ConnectionProblemError. */
export interface RecordingStore {
  /** Stores part `part` (1-based) of session `sid`; a second upload of a number replaces the first. AlreadyExistsError once `sid` is complete. */
  uploadPart(sid: string, part: number, data: Buffer): Promise<void>;
  /** Assembles parts 1..`parts` in order into the recording. BadParameterError when one is missing; AlreadyExistsError when already complete. */
  complete(sid: string, parts: number): Promise<void>;
  /** The recording's bytes, streamed (never loaded whole). NotFoundError when there is none. */
  open(sid: string): Promise<Readable>;
  /** Where a recording is, for the `session.upload` event (`file:///...`, `s3://bucket/key`). */
  url(sid: string): string;
  /** Releases clients; safe to call twice. */
  close(): Promise<void>;
}

const SESSION_ID = /^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/;

/** Throws BadParameterError unless `sid` is a safe session ID (they become file and object names). */
export function checkSessionId(sid: string): void {
  if (typeof sid !== 'string' || !SESSION_ID.test(sid) || sid.includes('..')) throw new BadParameterError(`invalid session ID "${String(sid)}"`);
}

/** Throws BadParameterError unless `part` is a part number (1..MAX_PARTS). */
export function checkPartNumber(part: number): void {
  if (!Number.isInteger(part) || part < 1 || part > MAX_PARTS) throw new BadParameterError(`invalid part number ${part}: expected 1..${MAX_PARTS}`);
}

/**
 * Most parts one recording may have. Parts are staged as objects of their own (not S3 multipart
 * parts), so this is ours: node-sync uploads a part a second, for sessions of days.
 */
export const MAX_PARTS = 1_000_000;
