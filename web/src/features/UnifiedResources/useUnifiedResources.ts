/**
 * The resources page state: the search words, label filters, type and order the user chose, and
 * the pages the proxy answered (searched, filtered and sorted there). The loaded rows are read
 * again every 15 seconds, since resources come and go with their heartbeats.
 */
import type { WebResourceKind, WebUnifiedResource } from '@api/web-resources-wire';
import type { WebLabel } from '@api/web-wire';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { fetchResources, type ResourceQuery } from '../../services/resources';
import { KIND_NAMES } from './kinds';

/** Rows per page. */
export const PAGE_SIZE = 50;
const REFRESH_MS = 15_000;
const SEARCH_DELAY_MS = 250;

/** Orders the page offers. */
export const SORTS = [
  { value: 'name:asc', label: 'Name, A to Z' },
  { value: 'name:desc', label: 'Name, Z to A' },
  { value: 'kind:asc', label: 'Type' },
];

/** The `query` predicate for label filters: every label must match. */
export function labelQuery(filters: WebLabel[]): string {
  return filters.map((f) => `labels[${JSON.stringify(f.name)}] == ${JSON.stringify(f.value)}`).join(' && ');
}

interface Loaded {
  items: WebUnifiedResource[];
  startKey: string;
  totalCount: number;
}

/** `kinds`: the kinds this page lists (all when undefined, and then the user may pick one). */
export function useUnifiedResources(site: string, kinds?: WebResourceKind[]) {
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const [filters, setFilters] = useState<WebLabel[]>([]);
  const [kind, setKind] = useState<WebResourceKind | ''>('');
  const [sort, setSort] = useState('name:asc');
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Answers to anything but the latest request are dropped.
  const seq = useRef(0);
  const shown = useRef(PAGE_SIZE);

  // The search goes out once the user pauses typing.
  useEffect(() => {
    const t = window.setTimeout(() => setSearch(typed.trim()), SEARCH_DELAY_MS);
    return () => window.clearTimeout(t);
  }, [typed]);

  const kindsKey = (kinds ?? []).join(',');
  const query = useMemo<ResourceQuery>(
    () => ({
      // Always named: a proxy newer than this page may serve kinds it cannot show.
      kinds: kind ? [kind] : kindsKey ? (kindsKey.split(',') as WebResourceKind[]) : KIND_NAMES,
      search,
      query: labelQuery(filters),
      sort,
    }),
    [kind, kindsKey, search, filters, sort],
  );

  const load = useCallback(
    async (q: ResourceQuery, signal: AbortSignal, append: boolean) => {
      const mine = ++seq.current;
      setBusy(true);
      try {
        const page = await fetchResources(site, q, signal);
        if (mine !== seq.current) return;
        setLoaded((prev) => (append && prev ? { ...page, items: [...prev.items, ...page.items] } : page));
        setError(undefined);
      } catch (err) {
        if ((err as Error).name !== 'AbortError' && mine === seq.current) setError((err as Error).message);
      } finally {
        if (mine === seq.current) setBusy(false);
      }
    },
    [site],
  );

  const ctl = useRef<AbortController>(undefined);
  useEffect(() => {
    const c = new AbortController();
    ctl.current = c;
    shown.current = PAGE_SIZE;
    void load({ ...query, limit: PAGE_SIZE }, c.signal, false);
    const timer = window.setInterval(() => void load({ ...query, limit: shown.current }, c.signal, false), REFRESH_MS);
    return () => {
      c.abort();
      window.clearInterval(timer);
    };
  }, [load, query]);

  const more = () => {
    if (!loaded?.startKey || !ctl.current) return;
    shown.current = loaded.items.length + PAGE_SIZE;
    void load({ ...query, limit: PAGE_SIZE, startKey: loaded.startKey }, ctl.current.signal, true);
  };
  const addFilter = (l: WebLabel) => setFilters((f) => (f.some((x) => x.name === l.name && x.value === l.value) ? f : [...f, l]));
  const removeFilter = (l: WebLabel) => setFilters((f) => f.filter((x) => !(x.name === l.name && x.value === l.value)));
  return {
    items: loaded?.items,
    totalCount: loaded?.totalCount ?? 0,
    hasMore: Boolean(loaded?.startKey),
    error,
    busy,
    more,
    search: typed,
    setSearch: setTyped,
    filtered: search !== '' || filters.length > 0 || kind !== '',
    filters,
    addFilter,
    removeFilter,
    clearFilters: () => setFilters([]),
    kind,
    setKind,
    sort,
    setSort,
  };
}
