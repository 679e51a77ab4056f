/**
 * Playback of a recording into an xterm.js terminal: play/pause, seek (replays the output up to the
 * position; backwards starts from a reset terminal), speed. Time is the recording's `ms`.
 */
import { playableEventList } from '@api/db-playback';
import type { RecordingEvent } from '@api/recording-wire';
import type { Terminal } from '@xterm/xterm';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { fetchRecording } from '../../services/audit';

function bytesOf(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sizeOf(e: RecordingEvent): { cols: number; rows: number } | undefined {
  const m = typeof e.size === 'string' ? /^(\d+):(\d+)$/.exec(e.size) : null;
  return m ? { cols: Number(m[1]), rows: Number(m[2]) } : undefined;
}

/** Who, where and when, for the player's header (Teleport's player shows the same). */
export interface RecordingInfo {
  user: string;
  login: string;
  hostname: string;
  /** RFC 3339. */
  start: string;
  /** Milliseconds. */
  duration: number;
  /** A Kubernetes session (`kubectl exec`/`attach`): the cluster and the pod. */
  kube?: { cluster: string; pod: string };
}

/** The header's facts from the recording's `session.start` (or first) and last events. */
export function recordingInfo(events: RecordingEvent[]): RecordingInfo | undefined {
  const first = events.find((e) => e.event === 'session.start' || e.event === 'db.session.start') ?? events[0];
  if (!first) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  // A database session: the database user on the database (Teleport's name for it).
  const db = first.event === 'db.session.start';
  return {
    user: str(first.user),
    login: db ? str(first.db_user) : str(first.login),
    hostname: db ? str(first.db_service) : str(first.server_hostname) || str(first.server_id),
    start: first.time,
    duration: events[events.length - 1].ms,
    ...(first.proto === 'kube' && { kube: { cluster: str(first.kubernetes_cluster), pod: podName(str(first.kubernetes_pod_namespace), str(first.kubernetes_pod_name)) } }),
  };
}

/** `namespace/name` of a pod, as kubectl names it. */
export function podName(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function usePlayer(site: string, sid: string) {
  // A database session's events become the prints of its statements (api/db-playback.ts).
  const [raw, setRaw] = useState<RecordingEvent[]>();
  const events = useMemo(() => (raw ? playableEventList(raw) : undefined), [raw]);
  const [error, setError] = useState<string>();
  const [playing, setPlaying] = useState(false);
  const [pos, setPos] = useState(0);
  const [speed, setSpeed] = useState(1);
  const term = useRef<Terminal>(undefined);
  const next = useRef(0);
  const at = useRef(0);

  useEffect(() => {
    fetchRecording(site, sid).then(setRaw, (err: Error) => setError(err.message));
  }, [site, sid]);
  const duration = events && events.length > 0 ? events[events.length - 1].ms : 0;
  const info = useMemo(() => {
    const i = raw ? recordingInfo(raw) : undefined;
    return i && events ? { ...i, duration: events.length > 0 ? events[events.length - 1].ms : 0 } : undefined;
  }, [raw, events]);

  /** Applies events up to `t` (from the start again when going back). */
  const seekTo = useCallback(
    (t: number) => {
      const tm = term.current;
      if (!tm || !events) return;
      if (t < at.current) {
        tm.reset();
        next.current = 0;
      }
      while (next.current < events.length && events[next.current].ms <= t) {
        const e = events[next.current++];
        if (e.event === 'print' && typeof e.data === 'string') tm.write(bytesOf(e.data));
        else if (e.event === 'session.start' || e.event === 'resize') {
          const size = sizeOf(e);
          if (size) tm.resize(size.cols, size.rows);
        }
      }
      at.current = t;
      setPos(t);
    },
    [events],
  );

  // The clock: advance by real time times the speed while playing.
  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      const t = Math.min(duration, at.current + (now - last) * speed);
      last = now;
      seekTo(t);
      if (t >= duration) setPlaying(false);
      else frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, duration, seekTo]);

  const attach = useCallback((t: Terminal | undefined) => {
    term.current = t;
    next.current = 0;
    at.current = 0;
  }, []);
  const toggle = () => {
    if (!playing && at.current >= duration) seekTo(0);
    setPlaying((p) => !p);
  };
  return { events, info, error, playing, pos, duration, speed, setSpeed, seekTo, toggle, attach, pause: () => setPlaying(false) };
}
