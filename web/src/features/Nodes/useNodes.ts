/** The servers page state: nodes from the proxy, the search text and the label filters. */
import type { WebLabel, WebNode } from '@api/web-wire';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { fetchNodes } from '../../services/cluster';

/** True when `node` matches every word of `search` and every label filter. */
export function nodeMatches(node: WebNode, search: string, filters: WebLabel[]): boolean {
  const have = new Set(node.tags.map((t) => `${t.name}=${t.value}`));
  if (!filters.every((f) => have.has(`${f.name}=${f.value}`))) return false;
  const text = [node.hostname, node.addr, node.id, ...node.tags.map((t) => `${t.name}: ${t.value} ${t.name}=${t.value}`)].join(' ').toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => text.includes(w));
}

export function useNodes(site: string) {
  const [nodes, setNodes] = useState<WebNode[]>();
  const [error, setError] = useState<string>();
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<WebLabel[]>([]);

  const load = useCallback(
    (signal?: AbortSignal) =>
      fetchNodes(site, signal).then(
        (n) => {
          setNodes(n);
          setError(undefined);
        },
        (err: Error) => {
          if (err.name !== 'AbortError') setError(err.message);
        },
      ),
    [site],
  );
  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    // Nodes come and go with their heartbeats.
    const timer = window.setInterval(() => void load(ctl.signal), 15_000);
    return () => {
      ctl.abort();
      window.clearInterval(timer);
    };
  }, [load]);

  const shown = useMemo(() => (nodes ?? []).filter((n) => nodeMatches(n, search, filters)), [nodes, search, filters]);
  const addFilter = (l: WebLabel) => setFilters((f) => (f.some((x) => x.name === l.name && x.value === l.value) ? f : [...f, l]));
  const removeFilter = (l: WebLabel) => setFilters((f) => f.filter((x) => !(x.name === l.name && x.value === l.value)));
  return { nodes, shown, error, search, setSearch, filters, addFilter, removeFilter, clearFilters: () => setFilters([]), reload: () => load() };
}
