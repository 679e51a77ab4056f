/**
 * `tsh play` exports, each written as the recording streams in: `json` (Teleport's array of events,
 * four-space indented), `yaml` (documents separated by `---`), `text` (the output as plain text)
 * and `asciicast` (asciicast v2: a header line, then `[seconds, "o", text]` output and
 * `[seconds, "r", "COLSxROWS"]` resize events, playable by asciinema).
 */
import { StringDecoder } from 'node:string_decoder';
import { stringify } from 'yaml';
import type { RecordingEvent } from '../../api/recording-wire.js';
import { TerminalText } from './play-text.js';

/** Where an export goes; a returned promise means "wait before writing more". */
export interface OutputSink {
  write(chunk: string | Buffer): void | Promise<void>;
}

/** Go's json.Marshal escapes these; Teleport's output has them escaped. */
function goJSON(v: unknown, indent: number): string {
  return JSON.stringify(v, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `--format=json`: `[`, the events, `]`. */
export async function writeJSON(events: AsyncIterable<RecordingEvent>, out: OutputSink): Promise<void> {
  await out.write('[\n');
  let first = true;
  for await (const e of events) {
    await out.write(`${first ? '' : ',\n'}    ${goJSON(e, 4).replace(/\n/g, '\n    ')}`);
    first = false;
  }
  await out.write(first ? ']\n' : '\n]\n');
}

/** `--format=yaml`: one document per event. */
export async function writeYAML(events: AsyncIterable<RecordingEvent>, out: OutputSink): Promise<void> {
  let first = true;
  for await (const e of events) {
    await out.write((first ? '' : '---\n') + stringify(e, { lineWidth: 0 }));
    first = false;
  }
}

/** `--format=text`: the session's output, escape sequences removed. */
export async function writeText(events: AsyncIterable<RecordingEvent>, out: OutputSink): Promise<void> {
  const text = new TerminalText();
  for await (const e of events) {
    if (e.event !== 'print' || !e.data) continue;
    const s = text.write(Buffer.from(e.data, 'base64'));
    if (s !== '') await out.write(s);
  }
  const rest = text.end();
  if (rest !== '') await out.write(rest);
}

function size(e: RecordingEvent): { cols: number; rows: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(String(e.size ?? ''));
  return m ? { cols: Number(m[1]), rows: Number(m[2]) } : undefined;
}

/** `--format=asciicast`: asciicast v2, times in seconds since the session started. */
export async function writeAsciicast(events: AsyncIterable<RecordingEvent>, out: OutputSink): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let header = false;
  let last = 0;
  const t = (ms: number): number => Math.round(Math.max(ms, last) * 1000) / 1e6;
  const writeHeader = async (e: RecordingEvent | undefined): Promise<void> => {
    const sz = (e && size(e)) ?? { cols: 80, rows: 24 };
    const start = e ? Math.floor(Date.parse(e.time) / 1000) : undefined;
    const title = e ? `${String(e.user ?? '')}@${String(e.server_hostname ?? '')} ${String(e.sid ?? '')}`.trim() : undefined;
    await out.write(JSON.stringify({ version: 2, width: sz.cols, height: sz.rows, ...(start !== undefined && { timestamp: start }), ...(title && { title }) }) + '\n');
    header = true;
  };
  for await (const e of events) {
    if (!header) await writeHeader(e.event === 'session.start' ? e : undefined);
    if (e.event === 'print' && e.data) {
      const text = decoder.write(Buffer.from(e.data, 'base64'));
      if (text !== '') await out.write(JSON.stringify([t(e.ms), 'o', text]) + '\n');
      last = Math.max(last, e.ms);
    } else if (e.event === 'resize') {
      const sz = size(e);
      if (sz) await out.write(JSON.stringify([t(e.ms), 'r', `${sz.cols}x${sz.rows}`]) + '\n');
      last = Math.max(last, e.ms);
    }
  }
  if (!header) await writeHeader(undefined);
  const rest = decoder.end();
  if (rest !== '') await out.write(JSON.stringify([t(last), 'o', rest]) + '\n');
}
