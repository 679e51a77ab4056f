/** The audit page state: a time range, event types, a text filter, pages of events. */
import type { AuditEvent } from '@api/audit-wire';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { searchEvents } from '../../services/audit';

/** Time ranges offered, in hours back from now. */
export const RANGES = [
  { hours: 1, label: 'Last hour' },
  { hours: 24, label: 'Last 24 hours' },
  { hours: 24 * 7, label: 'Last 7 days' },
  { hours: 24 * 30, label: 'Last 30 days' },
];

/** Types always offered in the filter (others appear as events of them load). */
const COMMON_TYPES = [
  'user.login',
  'user.create',
  'user.update',
  'user.delete',
  'user.password_change',
  'session.start',
  'session.end',
  'session.upload',
  'session.recording.access',
  'exec',
  'scp',
  'port',
  'auth',
  'cert.create',
  'role.created',
  'role.updated',
  'role.deleted',
  'join_token.create',
  'instance.join',
  'client.disconnect',
];

export function useAudit(site: string) {
  const [hours, setHours] = useState(24);
  const [type, setType] = useState('');
  const [text, setText] = useState('');
  const [events, setEvents] = useState<AuditEvent[]>();
  const [startKey, setStartKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [range, setRange] = useState<{ from: Date; to: Date }>();

  const load = useCallback(async () => {
    setBusy(true);
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3600_000);
    try {
      const page = await searchEvents(site, { from, to, ...(type && { types: [type] }) });
      setRange({ from, to });
      setEvents(page.events);
      setStartKey(page.startKey);
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }, [site, hours, type]);
  useEffect(() => void load(), [load]);

  const more = async () => {
    if (!range || !startKey) return;
    setBusy(true);
    try {
      const page = await searchEvents(site, { ...range, ...(type && { types: [type] }), startKey });
      setEvents((e) => [...(e ?? []), ...page.events]);
      setStartKey(page.startKey);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const shown = useMemo(() => {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    if (!events || words.length === 0) return events;
    return events.filter((e) => {
      const hay = JSON.stringify(e).toLowerCase();
      return words.every((w) => hay.includes(w));
    });
  }, [events, text]);
  const types = useMemo(() => [...new Set([...COMMON_TYPES, ...(events ?? []).map((e) => e.event)])].sort(), [events]);
  return { hours, setHours, type, setType, text, setText, events, shown, types, error, busy, hasMore: startKey !== '', more, reload: load };
}
