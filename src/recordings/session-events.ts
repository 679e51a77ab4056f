/**
 * The JSON events a recording holds, with Teleport's names, codes and fields (`session.start`
 * T2000I, `resize` T2002I, `exec` T3002I/E, `session.end` T2004I, `print`), and the summary the
 * recordings list shows. Output records become `print` events only when played back.
 */
import { randomUUID } from 'node:crypto';
import { KUBE_SUMMARY_FIELDS, type RecordingSummary, type SessionRecordingMode } from '../api/recording-wire.js';
import type { RecordedParty, RecordingStart } from '../node/index.js';
import type { ExitStatus } from '../sshutils/index.js';

/** Everything the node keeps about a recording in its spool (`meta.json`). */
export interface RecordingMeta extends Omit<RecordingStart, 'strict'> {
  clusterName: string;
  serverId: string;
  serverHostname: string;
  mode: SessionRecordingMode;
  /** Epoch ms on the node's clock. */
  startTime: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function common(m: RecordingMeta, ms: number): Record<string, unknown> {
  return {
    uid: randomUUID(),
    time: iso(m.startTime + ms),
    ms,
    cluster_name: m.clusterName,
    user: m.user,
    login: m.login,
    sid: m.sessionId,
    namespace: 'default',
    server_id: m.serverId,
    server_hostname: m.serverHostname,
  };
}

/** `session.start` (always the first record). */
export function sessionStartEvent(m: RecordingMeta): Record<string, unknown> {
  return {
    event: 'session.start',
    code: 'T2000I',
    ...common(m, 0),
    server_addr: m.localAddr,
    'addr.remote': m.remoteAddr,
    'addr.local': m.localAddr,
    proto: 'ssh',
    size: `${m.cols}:${m.rows}`,
    ...(m.command !== undefined && { initial_command: [m.command] }),
    session_recording: m.mode,
    ...m.fields,
  };
}

/** `resize`: the terminal is now cols x rows. */
export function resizeEvent(m: RecordingMeta, ms: number, cols: number, rows: number): Record<string, unknown> {
  return { event: 'resize', code: 'T2002I', ...common(m, ms), size: `${cols}:${rows}` };
}

/** `exec`: how an exec session's command ended. */
export function execEvent(m: RecordingMeta, ms: number, exit: ExitStatus): Record<string, unknown> {
  const ok = 'code' in exit && exit.code === 0;
  return {
    event: 'exec',
    code: ok ? 'T3002I' : 'T3002E',
    ...common(m, ms),
    proto: 'ssh',
    command: m.command ?? '',
    exitCode: 'code' in exit ? String(exit.code) : '',
    ...('signal' in exit && { exitError: `signal: ${exit.signal}` }),
    ...('code' in exit && exit.code !== 0 && { exitError: `exit status ${exit.code}` }),
    ...m.fields,
  };
}

/** `session.join` (T2001I) / `session.leave` (T2003I): another user's party joined or left. */
export function partyEvent(m: RecordingMeta, ms: number, p: RecordedParty): Record<string, unknown> {
  return {
    event: p.type,
    code: p.type === 'session.join' ? 'T2001I' : 'T2003I',
    ...common(m, ms),
    user: p.user,
    login: p.login,
    server_addr: m.localAddr,
    'addr.remote': p.remoteAddr,
  };
}

/** `session.end` (the last record of a session that ended normally); `joined`: users who joined it. */
export function sessionEndEvent(m: RecordingMeta, ms: number, joined: string[] = []): Record<string, unknown> {
  return {
    event: 'session.end',
    code: 'T2004I',
    ...common(m, ms),
    server_addr: m.localAddr,
    'addr.remote': m.remoteAddr,
    proto: 'ssh',
    participants: [m.user, ...joined.filter((u) => u !== m.user)],
    enhanced_recording: false,
    interactive: m.tty,
    session_start: iso(m.startTime),
    session_stop: iso(m.startTime + ms),
    ...(m.command !== undefined && { initial_command: [m.command] }),
    session_recording: m.mode,
    ...m.fields,
  };
}

/** The list entry of a recording whose last record is at `lastMs`. */
export function recordingSummary(m: RecordingMeta, lastMs: number, incomplete: boolean): RecordingSummary {
  return {
    sid: m.sessionId,
    proto: typeof m.fields?.proto === 'string' ? m.fields.proto : 'ssh',
    participants: [m.user],
    user: m.user,
    login: m.login,
    cluster_name: m.clusterName,
    server_id: m.serverId,
    server_hostname: m.serverHostname,
    server_addr: m.localAddr,
    session_start: iso(m.startTime),
    session_stop: iso(m.startTime + lastMs),
    interactive: m.tty,
    ...(m.command !== undefined && { initial_command: [m.command] }),
    ...(incomplete && { incomplete: true }),
    ...kubeFields(m.fields),
  };
}

/** The Kubernetes fields of a session's `fields`, those that are strings. */
function kubeFields(fields: RecordingMeta['fields']): Partial<Record<(typeof KUBE_SUMMARY_FIELDS)[number], string>> {
  const out: Partial<Record<(typeof KUBE_SUMMARY_FIELDS)[number], string>> = {};
  for (const k of KUBE_SUMMARY_FIELDS) {
    const v = fields?.[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}
