/**
 * The SSH node service (Teleport's `ssh_service`): sessions, PTYs, exec, sftp/scp, port and agent
 * forwarding, connection monitoring, command labels and the heartbeat.
 */
export { NodeService } from './node-service.js';
export type { NodeServiceOptions } from './node-service.js';
export type { NodeAccessPoint } from './access-point.js';
export type { NodeIdentity } from './authorize.js';
export type { SessionEvent, SessionEventHandler, SessionEndEvent, SessionStartEvent, SessionKind } from './session-events.js';
export { SERVER_ANNOUNCE_TTL_MS } from './heartbeat.js';
export type { OutputTap, RecordedParty, RecordingStart, SessionRecorder, SessionRecording } from './session-recorder.js';
