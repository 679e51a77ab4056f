/**
 * The list of completed recordings, kept in the cluster's backend so every auth server sharing it
 * (and the recordings' storage) sees the same list: one item by session ID
 * (`/recordings/sessions/<sid>`) and one ordered by the session's last event
 * (`/recordings/by_stop/<RFC 3339>/<sid>`) for time-range listings.
 */
import { BadParameterError, NotFoundError, isCode } from '../api/errors.js';
import type { RecordingSummary } from '../api/recording-wire.js';
import type { Backend } from '../backend/index.js';

const BY_ID = '/recordings/sessions/';
const BY_STOP = '/recordings/by_stop/';

function parse(value: string): RecordingSummary {
  return JSON.parse(value) as RecordingSummary;
}

/** Fixed-width UTC time for keys (lexical order = time order). */
function keyTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Completed recordings' summaries. */
export class RecordingIndex {
  constructor(private readonly backend: Backend) {}

  /** Adds (or replaces) the summary of a completed recording. */
  async put(s: RecordingSummary): Promise<void> {
    const stop = Date.parse(s.session_stop);
    if (Number.isNaN(stop) || Number.isNaN(Date.parse(s.session_start))) throw new BadParameterError('recording summary: session_start and session_stop must be RFC 3339 times');
    const value = JSON.stringify(s);
    try {
      const old = parse((await this.backend.get(BY_ID + s.sid)).value);
      if (old.session_stop !== s.session_stop) await this.backend.delete(`${BY_STOP}${keyTime(Date.parse(old.session_stop))}/${s.sid}`).catch(() => {});
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
    }
    await this.backend.put({ key: `${BY_STOP}${keyTime(stop)}/${s.sid}`, value });
    await this.backend.put({ key: BY_ID + s.sid, value });
  }

  /** The summary of `sid`; NotFoundError with tsh's words when there is no completed recording. */
  async get(sid: string): Promise<RecordingSummary> {
    try {
      return parse((await this.backend.get(BY_ID + sid)).value);
    } catch (err) {
      if (isCode(err, 'not_found')) throw new NotFoundError(`Recording for session ${sid} not found.`, { cause: err });
      throw err;
    }
  }

  /** Summaries of sessions whose last event is in [fromMs, toMs], oldest first. */
  async list(fromMs: number, toMs: number): Promise<RecordingSummary[]> {
    // '0' sorts right after '/', so the end key takes every session stopping exactly at toMs.
    const items = await this.backend.getRange(BY_STOP + keyTime(fromMs), BY_STOP + keyTime(toMs) + '0');
    return items.map((i) => parse(i.value));
  }
}
