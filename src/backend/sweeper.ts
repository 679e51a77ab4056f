/**
 * The expiry sweeper: a real-time interval that asks a backend to delete items whose `expires` has
 * passed on the backend's injected clock. The timer is unref'd so it never keeps a process alive.
 */

/** Default real interval between sweeps. */
export const DEFAULT_SWEEP_INTERVAL_MS = 1000;

/** A running sweeper; `stop()` is safe to call twice. */
export interface Sweeper {
  stop(): void;
}

/**
 * Calls `sweep` every `intervalMs` real milliseconds until stopped. A throwing sweep is reported to
 * `onError` (default: ignored, the next tick retries) and never stops the timer.
 */
export function startSweeper(intervalMs: number, sweep: () => void, onError?: (err: unknown) => void): Sweeper {
  const timer = setInterval(() => {
    try {
      sweep();
    } catch (err) {
      onError?.(err);
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
