/**
 * Session recordings on the auth API (`/v1/recordings/...`): the cluster's recording mode, the
 * node's part uploads, the listing and the streamed playback. Field names follow Teleport's
 * snake_case; the events a playback yields are Teleport's JSON audit events (`session.start`,
 * `print`, `resize`, `exec`, `session.end`).
 */

/** `auth_service.session_recording` (Teleport's session_recording_config `mode`). */
export type SessionRecordingMode = 'node' | 'node-sync' | 'proxy' | 'proxy-sync' | 'off';

/** Every mode, in Teleport's order. */
export const SESSION_RECORDING_MODES: readonly SessionRecordingMode[] = ['node', 'node-sync', 'proxy', 'proxy-sync', 'off'];

/** GET /v1/recordings/config: what nodes ask before recording a session. */
export interface RecordingConfig {
  mode: SessionRecordingMode;
}

/**
 * What the recordings list shows for one session, kept by the auth server when an upload completes
 * (the fields of Teleport's `session.end` that `tsh recordings ls` prints).
 */
export interface RecordingSummary {
  /** Session ID (uuid v4). */
  sid: string;
  /** Protocol: `ssh`, `kube` for kubectl exec/attach, or a database session's `postgres` / `mysql`. */
  proto: string;
  /** Teleport users who took part. */
  participants: string[];
  user: string;
  login: string;
  cluster_name: string;
  server_id: string;
  server_hostname: string;
  server_addr?: string;
  /** RFC 3339 times of the first and the last recorded event. */
  session_start: string;
  session_stop: string;
  /** True when the session had a terminal. */
  interactive: boolean;
  /** The exec command, when it was one. */
  initial_command?: string[];
  /** True when the node's process ended before the session did (crash, kill): no `session.end` was recorded. */
  incomplete?: boolean;
  /** A Kubernetes session (proto `kube`): the cluster, and the pod (namespace, name, container) of the exec or attach. */
  kubernetes_cluster?: string;
  kubernetes_pod_namespace?: string;
  kubernetes_pod_name?: string;
  kubernetes_container_name?: string;
  /** Database sessions (`proto` postgres or mysql): the database's name in Teleport; `server_hostname` is the database name inside it and `login` the database user. */
  db_service?: string;
}

/** The Kubernetes fields a recording summary carries over from the session's fields. */
export const KUBE_SUMMARY_FIELDS = ['kubernetes_cluster', 'kubernetes_pod_namespace', 'kubernetes_pod_name', 'kubernetes_container_name'] as const;

/** POST /v1/recordings/:sid/complete: the node has uploaded parts 1..parts. */
export interface CompleteRecordingRequest {
  parts: number;
  summary: RecordingSummary;
}

/** GET /v1/recordings?from=&to=&limit=: newest first. */
export interface ListRecordingsQuery {
  /** RFC 3339; default 24 hours ago. */
  from?: string;
  /** RFC 3339; default now. */
  to?: string;
  /** Default 50. */
  limit?: number;
}

/** One event of a recording as playback streams it (Teleport's JSON event fields). */
export interface RecordingEvent {
  event: string;
  /** Index within the session. */
  ei: number;
  /** RFC 3339 with milliseconds. */
  time: string;
  /** Milliseconds since the session started. */
  ms: number;
  /** `print`: the output bytes, base64. */
  data?: string;
  /** `print`: byte count, offset of the chunk in the session's output, chunk index. */
  bytes?: number;
  offset?: number;
  ci?: number;
  /** `session.start` / `resize`: `cols:rows`. */
  size?: string;
  [field: string]: unknown;
}

/** The content type of the playback stream: one JSON event per line. */
export const RECORDING_STREAM_CONTENT_TYPE = 'application/x-ndjson';
