/**
 * The node's recording seam: the session handler asks a SessionRecorder to begin a recording
 * before it starts a shell or exec process, taps the process's output and window changes into
 * it, and ends it when the process is gone. src/recordings implements it (spool, uploads).
 */
import type { ExitStatus } from '../sshutils/index.js';

/** What is known about a session when its recording begins. */
export interface RecordingStart {
  sessionId: string;
  kind: 'shell' | 'exec';
  /** The exec command. */
  command?: string;
  /** Teleport user and OS login. */
  user: string;
  login: string;
  /** `ip:port` of the client and of our end. */
  remoteAddr: string;
  localAddr: string;
  tty: boolean;
  /** Terminal type and size (80x24 without a terminal). */
  term?: string;
  cols: number;
  rows: number;
  /** The user's roles ask for `record_session: strict`: a recording that cannot be made refuses the session. */
  strict: boolean;
  /** Called once if the recording fails while the session runs (a full or broken disk). */
  onFailure?(err: Error): void;
  /** Fields of the recording's events besides the SSH ones (a Kubernetes session: proto kube, the cluster and pod). */
  fields?: Record<string, unknown>;
}

/** Where a process's output goes besides the channel. `write` returns false when the consumer wants a pause until `drained()`. */
export interface OutputTap {
  write(data: Buffer): boolean;
  drained(): Promise<void>;
}

/** Someone who joined or left a live session, as the recording keeps it. */
export interface RecordedParty {
  type: 'session.join' | 'session.leave';
  user: string;
  login: string;
  remoteAddr: string;
}

/** One session's recording. Every method is safe after a failure (the recording is then best effort). */
export interface SessionRecording extends OutputTap {
  resize(cols: number, rows: number): void;
  /** A party joined or left (recorded as `session.join` / `session.leave`, in order with the output). */
  party?(p: RecordedParty): void;
  /** The process ended: record how, close the spool and hand it to the uploader. Never rejects. */
  end(exit: ExitStatus): Promise<void>;
  /** The process never started: forget the recording. Never rejects. */
  discard(): Promise<void>;
}

/** Begins recordings. */
export interface SessionRecorder {
  /**
   * A new recording, or undefined when the cluster's recording mode does not record at the node
   * (`off`, or the proxy modes). Throws when `strict` and the recording cannot be made.
   */
  begin(start: RecordingStart): Promise<SessionRecording | undefined>;
}
