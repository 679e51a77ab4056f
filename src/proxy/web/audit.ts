/**
 * Audit log and session recordings for the web UI, as the logged-in user (the auth service's RBAC
 * on `event` and per-session `session` rules): `GET /webapi/sites/:site/events/search` (Teleport's
 * `from`, `to`, `limit`, `startKey`, `include` (types separated by `;`), `order`),
 * `/events/search/sessions` (recordings as `session.end` events) and
 * `GET /webapi/sites/:site/sessions/:sid/events` (the recording's events as JSON lines).
 */
import type { ServerResponse } from 'node:http';
import { KUBE_SUMMARY_FIELDS, type RecordingSummary } from '../../api/recording-wire.js';
import { sendStream } from '../../httpserver/index.js';
import type { Logger } from '../../log/index.js';
import type { WebUserAPI } from './ui-auth.js';

/** A recording as the `session.end` event Teleport's recordings list is built from. */
export function sessionEndEvent(s: RecordingSummary): Record<string, unknown> {
  return {
    event: 'session.end',
    code: 'T2004I',
    uid: s.sid,
    time: s.session_stop,
    sid: s.sid,
    proto: s.proto,
    user: s.user,
    login: s.login,
    participants: s.participants,
    cluster_name: s.cluster_name,
    server_id: s.server_id,
    server_hostname: s.server_hostname,
    ...(s.server_addr && { server_addr: s.server_addr }),
    session_start: s.session_start,
    session_stop: s.session_stop,
    interactive: s.interactive,
    ...(s.initial_command && { initial_command: s.initial_command }),
    ...(s.incomplete && { incomplete: true }),
    ...Object.fromEntries(KUBE_SUMMARY_FIELDS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]])),
    ...(s.db_service && { db_service: s.db_service }),
  };
}

/** `GET /webapi/sites/:site/events/search/sessions`: recordings the caller may list, newest first. */
export async function searchRecordings(api: WebUserAPI, query: URLSearchParams): Promise<{ events: Record<string, unknown>[]; startKey: string }> {
  const limit = query.get('limit');
  const list = await api.listRecordings({
    ...(query.get('from') && { from: query.get('from')! }),
    ...(query.get('to') && { to: query.get('to')! }),
    ...(limit && { limit: Number(limit) }),
  });
  return { events: list.map(sessionEndEvent), startKey: '' };
}

/** Streams the recording's events (JSON lines); errors before the first line are ordinary errors. */
export async function streamRecording(api: WebUserAPI, sid: string, res: ServerResponse, logger: Logger): Promise<void> {
  const body = await api.recordingStream(sid);
  await sendStream(res, 200, body, (err) => logger.warn({ err, session_id: sid }, 'recording playback ended early'));
}
