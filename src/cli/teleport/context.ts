/** What the teleport CLI's commands get besides their flags: where signals come from. */

/** A source of process signals (the real `process` in main.ts; an EventEmitter in tests). */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
}

/**
 * Reload by handover to a new process (main.ts gives the real one; in-process runs have none and
 * restart their services in place instead).
 */
export interface ProcessHandover {
  /** Starts the successor on this process's sockets; resolves with its pid once it serves. */
  start(): Promise<number>;
  /** Stops accepting; resolves when the connections kept (sessions) have ended. */
  drain(tick: (open: number) => void): Promise<void>;
  /** Called once this process serves: a successor tells its predecessor. */
  ready(): void;
}

/** Context of a teleport CLI run. */
export interface TeleportCtx {
  signals: SignalSource;
  handover?: ProcessHandover;
  /** Told when a stop signal starts `shutdown_delay`'s wait (the process still serves meanwhile). */
  onShutdownDelay?: (delayMs: number) => void;
}
