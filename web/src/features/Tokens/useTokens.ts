/** Join tokens: the list and deleting one. */
import type { WebJoinToken } from '@api/web-wire';
import { useCallback, useEffect, useState } from 'react';
import { deleteJoinToken, fetchJoinTokens } from '../../services/admin';

export function useTokens() {
  const [tokens, setTokens] = useState<WebJoinToken[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      setTokens(await fetchJoinTokens());
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);
  const remove = async (id: string) => {
    try {
      await deleteJoinToken(id);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return { tokens, error, remove };
}
