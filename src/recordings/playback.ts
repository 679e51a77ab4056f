/**
 * Playback on the auth server: a stored recording (framed compressed parts of records) decoded into
 * Teleport's JSON events as it is read — `print` events with base64 `data`, `bytes`, `ms`,
 * `offset`, `ci`, and every event with its index `ei` — and written as one JSON object per line.
 * Nothing is held beyond the record being decoded, so a recording of any length streams in
 * constant memory, at the pace the reader takes it.
 */
import type { Readable } from 'node:stream';
import type { RecordingEvent } from '../api/recording-wire.js';
import { decodeParts } from './part-codec.js';
import { RecordDecoder, type RecordEntry } from './record-format.js';

/** Turns records into events, numbering them and tracking the output offset. */
export class EventNumberer {
  private ei = 0;
  private ci = 0;
  private offset = 0;
  private start: number | undefined;

  /** The event for one record. */
  event(r: RecordEntry): RecordingEvent {
    if (r.type === 'print') {
      const ms = Math.round(r.ms);
      const e: RecordingEvent = {
        event: 'print',
        data: r.data.toString('base64'),
        bytes: r.data.length,
        ms,
        offset: this.offset,
        ei: this.ei++,
        ci: this.ci++,
        time: new Date((this.start ?? 0) + ms).toISOString(),
      };
      this.offset += r.data.length;
      return e;
    }
    const ev = r.event;
    const time = typeof ev.time === 'string' ? ev.time : new Date(this.start ?? 0).toISOString();
    if (ev.event === 'session.start' && this.start === undefined) this.start = Date.parse(time);
    const ms = typeof ev.ms === 'number' ? Math.round(ev.ms) : this.start !== undefined ? Date.parse(time) - this.start : 0;
    return { ...ev, event: String(ev.event), ei: this.ei++, time, ms };
  }
}

/**
 * The events of a stored recording. Throws BadParameterError when the recording is damaged (after
 * yielding everything before the damage). Breaking out of the iteration releases the source.
 */
export async function* recordingEvents(source: Readable): AsyncGenerator<RecordingEvent> {
  const decoder = new RecordDecoder();
  const numberer = new EventNumberer();
  try {
    for await (const raw of decodeParts(source)) {
      for (const r of decoder.push(raw)) yield numberer.event(r);
    }
    decoder.finish();
  } finally {
    source.destroy();
  }
}

/** One JSON line per event. */
export async function* ndjson(events: AsyncIterable<RecordingEvent>): AsyncGenerator<Buffer> {
  // Lines are batched up to ~64 KiB so small events do not cost a write each.
  let batch: string[] = [];
  let size = 0;
  for await (const e of events) {
    const line = JSON.stringify(e) + '\n';
    batch.push(line);
    size += line.length;
    if (size >= 64 * 1024) {
      yield Buffer.from(batch.join(''), 'utf8');
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) yield Buffer.from(batch.join(''), 'utf8');
}
