/**
 * The auth server's session recordings: the recording mode nodes ask for, the node's part uploads
 * and completion (then `session.upload` T2005I), the list and the streamed playback. Listing and
 * playback are authorized per recording with the `session` rule, its `where` clause seeing
 * `session.participants` (the access preset's `contains(session.participants, user.metadata.name)`),
 * and playback emits `session.recording.access` T2012I.
 */
import type { AuditEvent } from '../api/audit-wire.js';
import { AccessDeniedError, BadParameterError, isCode } from '../api/errors.js';
import { KUBE_SUMMARY_FIELDS, type CompleteRecordingRequest, type ListRecordingsQuery, type RecordingConfig, type RecordingEvent, type RecordingSummary, type SessionRecordingMode } from '../api/recording-wire.js';
import { RECORDING_STREAM_CONTENT_TYPE } from '../api/recording-wire.js';
import type { Clock } from '../api/clock.js';
import { auditEvent, type AuditEmitter } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { checkPartNumber, checkSessionId, ndjson, recordingEvents, type RecordingIndex, type RecordingStore } from '../recordings/index.js';
import type { Caller } from './caller.js';
import { ruleContext } from '../rbac/index.js';
import { authorize } from './caller.js';
import { databaseRecordingSummary, databaseSessionEvents, listDatabaseRecordings, type EventSearcher } from './db-recordings.js';
import { StreamBody } from '../httpserver/index.js';

/** Largest part a node may upload (ours are 5 MiB before compression). */
export const MAX_PART_BYTES = 64 * 1024 * 1024;
const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 10_000;
const DAY = 24 * 3600_000;

/** What the recordings API needs. */
export interface RecordingsAPIOptions {
  store: RecordingStore;
  index: RecordingIndex;
  mode: SessionRecordingMode;
  clusterName: string;
  clock: Clock;
  logger: Logger;
  /** Where `session.upload` and `session.recording.access` go. */
  emitter?: AuditEmitter;
  /** The audit log, where database sessions' recordings are (see db-recordings.ts). */
  events?: EventSearcher;
}

/** The recordings half of the auth API. Methods throw AccessDeniedError when RBAC says no. */
export class RecordingsAPI {
  constructor(private readonly opts: RecordingsAPIOptions) {}

  /** The storage, for the process to close. */
  get store(): RecordingStore {
    return this.opts.store;
  }

  /** Any authenticated caller may learn the mode (nodes need it before each session). */
  config(): RecordingConfig {
    return { mode: this.opts.mode };
  }

  /** A node stores part `part` of session `sid`. */
  async uploadPart(caller: Caller, sid: string, part: number, data: Buffer): Promise<void> {
    authorize(caller, 'session', 'create');
    checkSessionId(sid);
    checkPartNumber(part);
    await this.opts.store.uploadPart(sid, part, data);
  }

  /**
   * A node completes session `sid`'s recording; the summary enters the list and `session.upload` is
   * emitted. Authorized as an update of that session: a Node host only for sessions it served
   * (`summary.server_id` is its host UUID).
   */
  async complete(caller: Caller, sid: string, req: CompleteRecordingRequest): Promise<void> {
    authorize(caller, 'session', 'create');
    checkSessionId(sid);
    const summary = checkSummary(req?.summary, sid);
    authorize(caller, 'session', 'update', summary);
    if (!Number.isInteger(req.parts)) throw new BadParameterError('"parts" must be the number of parts uploaded');
    checkPartNumber(req.parts);
    await this.opts.store.complete(sid, req.parts);
    await this.opts.index.put(summary);
    this.opts.logger.info({ session_id: sid, parts: req.parts, server_id: summary.server_id }, 'session recording completed');
    void this.opts.emitter?.emit(
      auditEvent('session.upload', 'T2005I', {
        sid,
        url: this.opts.store.url(sid),
        cluster_name: this.opts.clusterName,
        // Teleport's SessionUploadIndex (MaxInt32): after every event of the session.
        ei: 2147483647,
        time: new Date(this.opts.clock.now()).toISOString(),
      }),
    );
  }

  /** Recordings the caller may list, newest first. */
  async list(caller: Caller, q: ListRecordingsQuery): Promise<RecordingSummary[]> {
    const now = this.opts.clock.now();
    const to = q.to ? parseTime(q.to, 'to') : now;
    const from = q.from ? parseTime(q.from, 'from') : to - DAY;
    const limit = q.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new BadParameterError(`limit must be between 1 and ${MAX_LIST_LIMIT}`);
    const all = await this.opts.index.list(from, to);
    if (this.opts.events) {
      all.push(...(await listDatabaseRecordings(this.opts.events, from, to)));
      all.sort((a, b) => Date.parse(a.session_stop) - Date.parse(b.session_stop));
    }
    const out: RecordingSummary[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      if (caller.checker.hasAccessToRule(sessionContext(caller, all[i]), 'session', 'list')) out.push(all[i]);
    }
    return out;
  }

  /** The recording's events as JSON lines, streamed. NotFoundError when there is none. */
  async stream(caller: Caller, sid: string): Promise<StreamBody> {
    checkSessionId(sid);
    let summary: RecordingSummary;
    let dbEvents: RecordingEvent[] | undefined;
    try {
      summary = await this.opts.index.get(sid);
    } catch (err) {
      dbEvents = isCode(err, 'not_found') && this.opts.events ? await databaseSessionEvents(this.opts.events, sid) : undefined;
      if (!dbEvents) throw err;
      summary = databaseRecordingSummary(dbEvents[0] as unknown as AuditEvent);
    }
    if (!caller.checker.hasAccessToRule(sessionContext(caller, summary), 'session', 'read')) {
      throw new AccessDeniedError(`access denied to perform action "read" on "session" ${sid}`);
    }
    const source = dbEvents ? listed(dbEvents) : recordingEvents(await this.opts.store.open(sid));
    void this.opts.emitter?.emit(
      auditEvent('session.recording.access', 'T2012I', {
        sid,
        user: caller.username,
        cluster_name: this.opts.clusterName,
        time: new Date(this.opts.clock.now()).toISOString(),
      }),
    );
    return new StreamBody(RECORDING_STREAM_CONTENT_TYPE, ndjson(source));
  }
}

async function* listed(events: RecordingEvent[]): AsyncGenerator<RecordingEvent> {
  yield* events;
}

/** The rule context of a recording: the caller, and the session with its participants. */
function sessionContext(caller: Caller, s: RecordingSummary): Record<string, unknown> {
  return { ...ruleContext(caller), session: { participants: s.participants, id: s.sid } };
}

function parseTime(v: string, name: string): number {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new BadParameterError(`"${name}" must be an RFC 3339 time, got "${v}"`);
  return t;
}

/** Validates a node's summary (it is stored and shown as is). */
function checkSummary(raw: unknown, sid: string): RecordingSummary {
  if (raw === null || typeof raw !== 'object') throw new BadParameterError('"summary" must be an object');
  const s = raw as Record<string, unknown>;
  const str = (k: string, optional = false): void => {
    if (s[k] === undefined && optional) return;
    if (typeof s[k] !== 'string' || (s[k] as string).length > 4096) throw new BadParameterError(`summary.${k} must be a string`);
  };
  for (const k of ['proto', 'user', 'login', 'cluster_name', 'server_id', 'server_hostname', 'session_start', 'session_stop']) str(k);
  str('server_addr', true);
  for (const k of KUBE_SUMMARY_FIELDS) str(k, true);
  if (s.sid !== sid) throw new BadParameterError(`summary.sid must be ${sid}`);
  if (!Array.isArray(s.participants) || s.participants.length > 1000 || !s.participants.every((p) => typeof p === 'string')) {
    throw new BadParameterError('summary.participants must be a list of user names');
  }
  if (typeof s.interactive !== 'boolean') throw new BadParameterError('summary.interactive must be true or false');
  if (s.initial_command !== undefined && (!Array.isArray(s.initial_command) || !s.initial_command.every((c) => typeof c === 'string'))) {
    throw new BadParameterError('summary.initial_command must be a list of strings');
  }
  return s as unknown as RecordingSummary;
}
