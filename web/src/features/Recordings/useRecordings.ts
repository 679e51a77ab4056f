/** The recordings page state: recordings of a time range, newest first. */
import { useCallback, useEffect, useState } from 'react';
import { searchRecordings, type SessionEndEvent } from '../../services/audit';
import { RANGES } from '../Audit/useAudit';

export function useRecordings(site: string) {
  const [hours, setHours] = useState(24 * 7);
  const [items, setItems] = useState<SessionEndEvent[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    const to = new Date();
    try {
      setItems(await searchRecordings(site, new Date(to.getTime() - hours * 3600_000), to));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [site, hours]);
  useEffect(() => void load(), [load]);
  return { hours, setHours, ranges: RANGES, items, error, reload: load };
}

/** `1:05`, `1:02:03`. */
export function clock(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
