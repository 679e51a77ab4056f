/** The "add a server" flow: labels, a join token with its install command, and waiting for the node. */
import type { JoinTokenResponse, WebLabel, WebNode } from '@api/web-wire';
import { useEffect, useRef, useState } from 'react';
import { createJoinToken } from '../../services/admin';
import { fetchResources } from '../../services/resources';

export function useAddServer(site: string) {
  const [labels, setLabels] = useState<WebLabel[]>([{ name: '', value: '' }]);
  const [ttl, setTtl] = useState(3600);
  const [token, setToken] = useState<JoinTokenResponse>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [joined, setJoined] = useState<WebNode[]>([]);
  const known = useRef<Set<string>>(undefined);

  // Once a command exists, watch for servers that were not there before.
  useEffect(() => {
    if (!token) return;
    const ctl = new AbortController();
    const poll = async () => {
      try {
        const nodes = (await fetchResources(site, { kinds: ['node'], limit: 1000 }, ctl.signal)).items.filter((r): r is WebNode => r.kind === 'node');
        if (!known.current) known.current = new Set(nodes.map((n) => n.id));
        else setJoined(nodes.filter((n) => !known.current!.has(n.id)));
      } catch {
        // keep polling
      }
    };
    void poll();
    const t = window.setInterval(() => void poll(), 3000);
    return () => {
      ctl.abort();
      window.clearInterval(t);
    };
  }, [token, site]);

  const generate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setToken(await createJoinToken(labels.filter((l) => l.name.trim() !== '').map((l) => ({ name: l.name.trim(), value: l.value.trim() })), ttl));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const setLabel = (i: number, l: WebLabel) => setLabels((all) => all.map((x, j) => (j === i ? l : x)));
  return {
    labels,
    setLabel,
    addLabel: () => setLabels((all) => [...all, { name: '', value: '' }]),
    removeLabel: (i: number) => setLabels((all) => all.filter((_, j) => j !== i)),
    ttl,
    setTtl,
    token,
    busy,
    error,
    generate,
    joined,
    restart: () => setToken(undefined),
  };
}
