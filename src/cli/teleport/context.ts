/** What the teleport CLI's commands get besides their flags: where signals come from. */

/** A source of process signals (the real `process` in main.ts; an EventEmitter in tests). */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
}

/** Context of a teleport CLI run. */
export interface TeleportCtx {
  signals: SignalSource;
  /** Told when a stop signal starts `shutdown_delay`'s wait (the process still serves meanwhile). */
  onShutdownDelay?: (delayMs: number) => void;
}
