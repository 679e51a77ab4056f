/**
 * The cluster's web_idle_timeout: the UI signs out after that long without the user touching it
 * (keys, pointer, wheel, touch, in any tab of the app: the last activity is shared through
 * localStorage). Background requests do not count as activity.
 */
import { getToken } from './token-store';

const KEY = 'teleport-ts.last-active';
const EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart', 'scroll'] as const;
/** Activity is written at most this often. */
const WRITE_EVERY_MS = 1_000;

function lastActive(): number {
  const v = Number(localStorage.getItem(KEY));
  return Number.isFinite(v) && v > 0 ? v : Date.now();
}

/** Calls `onIdle` once the stored session's inactivity timeout has passed without activity. Returns the stop function. */
export function watchInactivity(onIdle: () => void): () => void {
  const timeout = getToken()?.inactiveTimeout ?? 0;
  if (timeout <= 0) return () => {};
  let written = 0;
  const touch = () => {
    const now = Date.now();
    if (now - written < WRITE_EVERY_MS) return;
    written = now;
    localStorage.setItem(KEY, String(now));
  };
  localStorage.setItem(KEY, String(Date.now()));
  for (const e of EVENTS) window.addEventListener(e, touch, { passive: true, capture: true });
  const timer = window.setInterval(() => {
    if (Date.now() - lastActive() >= timeout) {
      stop();
      onIdle();
    }
  }, Math.min(1_000, timeout));
  const stop = () => {
    window.clearInterval(timer);
    for (const e of EVENTS) window.removeEventListener(e, touch, { capture: true });
  };
  return stop;
}
