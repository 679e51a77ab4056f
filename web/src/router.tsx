/**
 * A small history router: the app's routes are few and flat. `useLocation` re-renders on
 * navigation; `Link` is a real anchor (middle-click and keyboard work) that navigates in place.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();

/** Goes to `to` (a path under /web), replacing the entry when `replace`. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  window.addEventListener('popstate', l);
  return () => {
    listeners.delete(l);
    window.removeEventListener('popstate', l);
  };
}

const snapshot = () => location.pathname + location.search;

/** The current path and query; re-renders on navigation (also on one made before this component's effects ran). */
export function useLocation(): { path: string; search: URLSearchParams } {
  useSyncExternalStore(subscribe, snapshot);
  return { path: location.pathname.replace(/\/+$/, '') || '/', search: new URLSearchParams(location.search) };
}

/** Matches `pattern` (`/web/cluster/:site/nodes`) against `path`; the params when it matches. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n: string) => (names.push(n), '([^/]+)')) + '$');
  const m = re.exec(path);
  if (!m) return undefined;
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
}

/** An anchor that navigates without reloading. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, ...rest } = props;
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || props.target) return;
    e.preventDefault();
    navigate(props.href);
  };
  return <a {...rest} onClick={click} />;
}

/** Paths of the app. */
export const paths = {
  login: '/web/login',
  /** The landing page: resources of every kind (Teleport's unified resources). */
  resources: (site: string) => `/web/cluster/${encodeURIComponent(site)}/resources`,
  nodes: (site: string) => `/web/cluster/${encodeURIComponent(site)}/nodes`,
  console: (site: string, serverId: string, login: string) =>
    `/web/cluster/${encodeURIComponent(site)}/console/node/${encodeURIComponent(serverId)}/${encodeURIComponent(login)}`,
  /** Joins live session `sid` (Teleport's join URL). */
  joinSession: (site: string, sid: string, mode: string) =>
    `/web/cluster/${encodeURIComponent(site)}/console/session/${encodeURIComponent(sid)}?mode=${encodeURIComponent(mode)}`,
  users: '/web/users',
  /** The user's own MFA devices. */
  mfaDevices: '/web/account/mfa',
  roles: '/web/roles',
  tokens: '/web/tokens',
  addServer: '/web/discover',
  recordings: (site: string) => `/web/cluster/${encodeURIComponent(site)}/recordings`,
  activeSessions: (site: string) => `/web/cluster/${encodeURIComponent(site)}/sessions`,
  player: (site: string, sid: string) => `/web/cluster/${encodeURIComponent(site)}/session/${encodeURIComponent(sid)}`,
  audit: (site: string) => `/web/cluster/${encodeURIComponent(site)}/audit/events`,
};
