/**
 * The route table. Login and invite pages are public; everything else sits behind <Authenticated>,
 * which loads the user's context and sends them to the login page when the session is missing,
 * expires or is ended elsewhere.
 */
import { Suspense, lazy, useEffect, useState, type ReactNode } from 'react';
import type { UserContext } from '@api/web-wire';
import { Layout } from './components/Layout';
import { SessionCtx } from './components/session-context';
import { Alert, Spinner } from './components/ui';
import { Invite } from './features/Invite/Invite';
import { Login } from './features/Login/Login';
import { MfaBrowser } from './features/MfaDevices/MfaBrowser';
import { MfaDevices } from './features/MfaDevices/MfaDevices';
import { ActiveSessions } from './features/ActiveSessions/ActiveSessions';
import { AppLauncher } from './features/AppLauncher/AppLauncher';
import { Audit } from './features/Audit/Audit';
import { Nodes } from './features/Nodes/Nodes';
import { Recordings } from './features/Recordings/Recordings';
import { Roles } from './features/Roles/Roles';
import { AddServer } from './features/Tokens/AddServer';
import { Tokens } from './features/Tokens/Tokens';
import { UnifiedResources } from './features/UnifiedResources/UnifiedResources';
import { Users } from './features/Users/Users';
import { match, navigate, paths, useLocation } from './router';
import { watchInactivity } from './services/inactivity';
import { fetchClusters, fetchUserContext } from './services/cluster';
import { setSessionLostHandler } from './services/http';
import { hasSession, keepAlive, logout } from './services/session';
import { setToken } from './services/token-store';

// The console (xterm.js) loads only when a terminal is opened.
const Console = lazy(() => import('./features/Console/Console').then((m) => ({ default: m.Console })));
const Player = lazy(() => import('./features/Recordings/Player').then((m) => ({ default: m.Player })));

/** Sends the browser to the login page, remembering where it was. */
function toLogin(reason?: 'expired' | 'idle'): void {
  setToken(undefined);
  // Already there (a late call from a page that has gone): keep the address and its redirect.
  if (location.pathname === paths.login) return;
  const here = location.pathname + location.search;
  const q = new URLSearchParams();
  if (reason) q.set('expired', '1');
  if (reason === 'idle') q.set('idle', '1');
  q.set('redirect_uri', here);
  navigate(`${paths.login}?${q}`, { replace: true });
}

function Authenticated({ site: wanted, children }: { site?: string; children: (site: string) => ReactNode }) {
  const [state, setState] = useState<{ user: UserContext; site: string } | { error: string } | undefined>();
  useEffect(() => {
    if (!hasSession()) return toLogin();
    setSessionLostHandler(() => toLogin('expired'));
    const stop = keepAlive(() => toLogin('expired'));
    // web_idle_timeout: sign out (ending the session at the proxy) after that long untouched.
    const stopIdle = watchInactivity(() => void logout().finally(() => toLogin('idle')));
    let live = true;
    (async () => {
      const site = wanted ?? (await fetchClusters())[0].name;
      const user = await fetchUserContext(site);
      if (live) setState({ user, site });
    })().catch((err: Error) => live && setState({ error: err.message }));
    return () => {
      live = false;
      stop();
      stopIdle();
    };
  }, [wanted]);
  if (!state) return <Spinner label="Loading your session" />;
  if ('error' in state) {
    return (
      <div className="center-page">
        <Alert title="The cluster could not be loaded">{state.error}</Alert>
      </div>
    );
  }
  const value = {
    user: state.user,
    site: state.site,
    logout: () => {
      void logout().finally(() => navigate(paths.login, { replace: true }));
    },
  };
  return <SessionCtx.Provider value={value}>{children(state.site)}</SessionCtx.Provider>;
}

function NotFound() {
  return (
    <div className="empty">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
    </div>
  );
}

/** The app. */
export function App() {
  const { path, search } = useLocation();
  if (path === paths.login) return <Login />;
  const mfaBrowser = match('/web/mfa/browser/:id', path);
  if (mfaBrowser) return <MfaBrowser id={mfaBrowser.id} />;
  const invite = match('/web/invite/:token', path) ?? match('/web/reset/:token', path);
  if (invite) return <Invite token={invite.token} mode={path.startsWith('/web/reset/') ? 'reset' : 'invite'} />;
  // Teleport's app launcher: `/web/launch/:fqdn/:clusterId?/:publicAddr?`.
  const launch = match('/web/launch/:fqdn/:clusterId/:publicAddr', path) ?? match('/web/launch/:fqdn/:clusterId', path) ?? match('/web/launch/:fqdn', path);
  if (launch) return <Authenticated>{() => <AppLauncher params={{ fqdn: launch.fqdn, clusterId: launch.clusterId, publicAddr: launch.publicAddr }} />}</Authenticated>;
  const consoleRoute = match('/web/cluster/:site/console/node/:serverId/:login', path);
  if (consoleRoute) {
    return <Authenticated site={consoleRoute.site}>{(site) => (
          <Suspense fallback={<Spinner label="Opening the terminal" />}>
            <Console site={site} serverId={consoleRoute.serverId} login={consoleRoute.login} />
          </Suspense>
        )}</Authenticated>;
  }
  const joinRoute = match('/web/cluster/:site/console/session/:sid', path);
  if (joinRoute) {
    return <Authenticated site={joinRoute.site}>{(site) => (
          <Suspense fallback={<Spinner label="Joining the session" />}>
            <Console site={site} serverId="" login="" join={{ sid: joinRoute.sid, mode: search.get('mode') || 'observer' }} />
          </Suspense>
        )}</Authenticated>;
  }
  const player = match('/web/cluster/:site/session/:sid', path);
  if (player) {
    return (
      <Authenticated site={player.site}>
        {(site) => (
          <Suspense fallback={<Spinner label="Opening the player" />}>
            <Player site={site} sid={player.sid} />
          </Suspense>
        )}
      </Authenticated>
    );
  }
  const resources = match('/web/cluster/:site/resources', path);
  const nodes = match('/web/cluster/:site/nodes', path);
  const recordings = match('/web/cluster/:site/recordings', path);
  const audit = match('/web/cluster/:site/audit/events', path);
  const active = match('/web/cluster/:site/sessions', path);
  const clusterPage = resources ?? nodes ?? recordings ?? audit ?? active;
  const pages: Record<string, () => ReactNode> = {
    [paths.users]: () => <Users />,
    [paths.mfaDevices]: () => <MfaDevices />,
    [paths.roles]: () => <Roles />,
    [paths.tokens]: () => <Tokens />,
    [paths.addServer]: () => <AddServer />,
  };
  return (
    <Authenticated site={clusterPage?.site}>
      {(site) => {
        if (path === '/web' || path === '/' || path === '/web/cluster/' + site) {
          queueMicrotask(() => navigate(paths.resources(site), { replace: true }));
          return null;
        }
        const page = resources ? <UnifiedResources /> : nodes ? <Nodes /> : recordings ? <Recordings /> : audit ? <Audit /> : active ? <ActiveSessions /> : (pages[path]?.() ?? <NotFound />);
        return <Layout>{page}</Layout>;
      }}
    </Authenticated>
  );
}
