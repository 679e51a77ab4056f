/**
 * `tsh play` on a terminal: the recorded output written at the recorded pace (times `speed`), long
 * pauses shortened to a second with `skipIdle`, the terminal resized as the session's was (xterm's
 * `CSI 8 ; rows ; cols t`). Keys while playing: space pauses and resumes, Ctrl-C or `q` stops.
 * Events are consumed as they stream in, so a long recording starts at once and never sits in memory.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { RecordingEvent } from '../../api/recording-wire.js';
import type { OutputSink } from './play-formats.js';
import type { Terminal } from './tsh-context.js';

/** Gaps longer than this are cut to it with --skip-idle-time. */
export const IDLE_CAP_MS = 1000;

/** How to play. */
export interface TerminalPlayOptions {
  speed: number;
  skipIdle: boolean;
  out: OutputSink;
  /** Present when stdin/stdout are a terminal: keys are read and the terminal is resized. */
  terminal?: Terminal;
  stdin?: NodeJS.ReadableStream;
  signal?: AbortSignal;
  now?: () => number;
}

/** Pause/resume/stop state and a clock that stands still while paused. */
class Playback {
  paused = false;
  stopped = false;
  private pausedAt = 0;
  private shift = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly now: () => number) {}

  /** Wall time minus the time spent paused. */
  clock(): number {
    return (this.paused ? this.pausedAt : this.now()) - this.shift;
  }

  toggle(): void {
    if (this.paused) this.shift += this.now() - this.pausedAt;
    else this.pausedAt = this.now();
    this.paused = !this.paused;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Resolves when the (pause-adjusted) clock reaches `t`, or at once when stopped. */
  async until(t: number): Promise<void> {
    while (!this.stopped && (this.paused || this.clock() < t)) {
      const wait = this.paused ? 3_600_000 : Math.min(t - this.clock(), 250);
      const ac = new AbortController();
      this.wake = () => ac.abort();
      await delay(Math.max(1, wait), undefined, { signal: ac.signal }).catch(() => {});
      this.wake = undefined;
    }
  }
}

/** Plays `events` to `opts.out`. Resolves at the end of the recording or when the viewer stops it. */
export async function playOnTerminal(events: AsyncIterable<RecordingEvent>, opts: TerminalPlayOptions): Promise<void> {
  const p = new Playback(opts.now ?? (() => performance.now()));
  const onKey = (d: Buffer | string): void => {
    const s = typeof d === 'string' ? d : d.toString('latin1');
    if (s.includes(' ')) p.toggle();
    if (s.includes('\x03') || s.includes('q')) p.stop();
  };
  const onAbort = (): void => p.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.terminal && opts.stdin) {
    opts.terminal.setRawMode(true);
    opts.stdin.on('data', onKey);
    (opts.stdin as NodeJS.ReadableStream & { resume?: () => void }).resume?.();
  }
  try {
    const start = p.clock();
    let virtual = 0;
    let prevMs = 0;
    const resize = async (e: RecordingEvent): Promise<void> => {
      const m = /^(\d+):(\d+)$/.exec(String(e.size ?? ''));
      if (m && opts.terminal) await opts.out.write(`\x1b[8;${m[2]};${m[1]}t`);
    };
    for await (const e of events) {
      if (p.stopped) break;
      if (e.event === 'session.start') {
        await resize(e);
        continue;
      }
      if (e.event !== 'print' && e.event !== 'resize') continue;
      const gap = Math.max(0, e.ms - prevMs);
      prevMs = Math.max(prevMs, e.ms);
      virtual += (opts.skipIdle ? Math.min(gap, IDLE_CAP_MS) : gap) / opts.speed;
      await p.until(start + virtual);
      if (p.stopped) break;
      if (e.event === 'resize') await resize(e);
      else if (e.data) await opts.out.write(Buffer.from(e.data, 'base64'));
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (opts.terminal && opts.stdin) {
      opts.stdin.off('data', onKey);
      opts.terminal.setRawMode(false);
      (opts.stdin as NodeJS.ReadableStream & { pause?: () => void }).pause?.();
    }
  }
}
