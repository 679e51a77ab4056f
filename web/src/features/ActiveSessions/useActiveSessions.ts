/** The active sessions page state: the live sessions, reloaded on Refresh and every 10 s. */
import type { WebActiveSession } from '@api/web-wire';
import { useCallback, useEffect, useState } from 'react';
import { fetchActiveSessions } from '../../services/sessions';

const POLL_MS = 10_000;

export function useActiveSessions(site: string) {
  const [items, setItems] = useState<WebActiveSession[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      setItems(await fetchActiveSessions(site));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [site]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [load]);
  return { items, error, reload: load };
}
