/**
 * The frame of every page behind the login: a sidebar with the sections the user's roles allow
 * (a top bar with a menu button on narrow screens), the user menu, and the page.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { Link, paths, useLocation } from '../router';
import { ErrorBoundary } from './ErrorBoundary';
import { useSession } from './session-context';

interface NavItem {
  href: string;
  /** Other paths the item stands for. */
  also?: string[];
  label: string;
  icon: ReactNode;
  show: boolean;
}

const icon = (d: string) => (
  <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
    <path d={d} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
  </svg>
);

const ICONS = {
  servers: icon('M4 5h16v5H4zM4 14h16v5H4zM8 7.5h.01M8 16.5h.01'),
  users: icon('M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6M21 19v-1a4 4 0 0 0-3-3.9M16 4.1a3 3 0 0 1 0 5.8'),
  roles: icon('M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z M9 12l2 2 4-4'),
  tokens: icon('M15 7a4 4 0 1 1-3.9 5H8v3H5v-3H3V9h8.1A4 4 0 0 1 15 7z'),
  add: icon('M12 5v14M5 12h14'),
  recordings: icon('M4 6h16v12H4zM10 9.5v5l4.5-2.5z'),
  active: icon('M4 5h16v11H4zM8 20h8M12 16v4M7 9l3 2-3 2M12 13h4'),
  audit: icon('M8 4h8l4 4v12H4V4h4M9 12h6M9 16h6M9 8h2'),
  key: icon('M7 14a3 3 0 1 1 0-6 3 3 0 0 1 0 6zM10 11h10M17 11v3M20 11v2'),
};

/** The app frame around `children`. */
export function Layout({ children }: { children: ReactNode }) {
  const { user, site, logout } = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const acl = user.userAcl;
  const items: NavItem[] = [
    { href: paths.resources(site), also: [paths.nodes(site)], label: 'Resources', icon: ICONS.servers, show: true },
    { href: paths.activeSessions(site), label: 'Active sessions', icon: ICONS.active, show: true },
    { href: paths.recordings(site), label: 'Session recordings', icon: ICONS.recordings, show: acl.recordedSessions.list },
    { href: paths.audit(site), label: 'Audit log', icon: ICONS.audit, show: acl.events.list },
    { href: paths.users, label: 'Users', icon: ICONS.users, show: acl.users.list },
    { href: paths.roles, label: 'Roles', icon: ICONS.roles, show: acl.roles.list },
    { href: paths.tokens, label: 'Join tokens', icon: ICONS.tokens, show: acl.tokens.list },
    { href: paths.addServer, label: 'Add a server', icon: ICONS.add, show: acl.tokens.create },
    { href: paths.mfaDevices, label: 'MFA devices', icon: ICONS.key, show: true },
  ];
  const initials = user.userName.slice(0, 2).toUpperCase();
  return (
    <div className={`app ${menuOpen ? 'nav-open' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          <span className="brand-name">Teleport-TS</span>
          <button type="button" className="nav-toggle" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen((o) => !o)}>
            <span className="sr-only">Menu</span>
            {icon('M4 7h16M4 12h16M4 17h16')}
          </button>
        </div>
        <div className="cluster-pill" title="Cluster">
          <span className="dot" aria-hidden="true" />
          {site}
        </div>
        <nav id="main-nav" aria-label="Main">
          <ul>
            {items
              .filter((i) => i.show)
              .map((i) => {
                const active = [i.href, ...(i.also ?? [])].some((h) => path === h || path.startsWith(h + '/'));
                return (
                  <li key={i.href}>
                    <Link href={i.href} className={`nav-link ${active ? 'active' : ''}`} aria-current={active ? 'page' : undefined}>
                      {i.icon}
                      <span>{i.label}</span>
                    </Link>
                  </li>
                );
              })}
          </ul>
        </nav>
        <div className="user-box">
          <span className="avatar" aria-hidden="true">
            {initials}
          </span>
          <div className="user-meta">
            <span className="user-name">{user.userName}</span>
            <span className="user-roles">{user.roles.join(', ')}</span>
          </div>
          <button type="button" className="logout" onClick={logout}>
            Log out
          </button>
        </div>
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        <ErrorBoundary resetKey={path} homeHref={paths.resources(site)}>
          {children}
        </ErrorBoundary>
      </main>
    </div>
  );
}
