/** Audit events and session recordings of the cluster, as the user may see them. */
import type { AuditEvent, SearchEventsResponse } from '@api/audit-wire';
import type { RecordingEvent } from '@api/recording-wire';
import { ApiError, api } from './http';
import { getToken } from './token-store';

/** A search of the audit log. */
export interface AuditQuery {
  from: Date;
  to: Date;
  types?: string[];
  startKey?: string;
  limit?: number;
}

/** `GET /webapi/sites/:site/events/search`, newest first. */
export function searchEvents(site: string, q: AuditQuery): Promise<SearchEventsResponse> {
  const p = new URLSearchParams({ from: q.from.toISOString(), to: q.to.toISOString(), limit: String(q.limit ?? 200), order: 'desc' });
  if (q.types && q.types.length > 0) p.set('include', q.types.join(';'));
  if (q.startKey) p.set('startKey', q.startKey);
  return api<SearchEventsResponse>('GET', `/v1/webapi/sites/${encodeURIComponent(site)}/events/search?${p}`);
}

/** A recording as the list shows it (a `session.end` event). */
export interface SessionEndEvent extends AuditEvent {
  sid: string;
  login: string;
  user: string;
  participants: string[];
  server_hostname: string;
  session_start: string;
  session_stop: string;
  interactive: boolean;
  initial_command?: string[];
  incomplete?: boolean;
  /** `kube` for a Kubernetes session (kubectl exec/attach), which carries the cluster and pod. */
  proto?: string;
  kubernetes_cluster?: string;
  kubernetes_pod_name?: string;
  kubernetes_pod_namespace?: string;
  /** A database session: the database's name (`server_hostname` is the database name inside it, `login` the database user). */
  db_service?: string;
}

/** `GET /webapi/sites/:site/events/search/sessions`: recordings, newest first. */
export async function searchRecordings(site: string, from: Date, to: Date): Promise<SessionEndEvent[]> {
  const p = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), limit: '500' });
  return (await api<{ events: SessionEndEvent[] }>('GET', `/v1/webapi/sites/${encodeURIComponent(site)}/events/search/sessions?${p}`)).events;
}

/** All events of a recording (`print` output in base64), read from the JSON-lines stream. */
export async function fetchRecording(site: string, sid: string): Promise<RecordingEvent[]> {
  const res = await fetch(`/v1/webapi/sites/${encodeURIComponent(site)}/sessions/${encodeURIComponent(sid)}/events`, {
    headers: { authorization: `Bearer ${getToken()?.token ?? ''}`, accept: 'application/x-ndjson' },
    credentials: 'same-origin',
  });
  const text = await res.text();
  if (!res.ok) {
    let message = `The recording could not be loaded (HTTP ${res.status}).`;
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // keep the generic message
    }
    throw new ApiError(message, res.status);
  }
  const out: RecordingEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const v = JSON.parse(line) as RecordingEvent & { error?: { message: string } };
    if (v.error) throw new ApiError(`The recording is damaged after ${out.length} events: ${v.error.message}`, 500);
    out.push(v);
  }
  return out;
}
