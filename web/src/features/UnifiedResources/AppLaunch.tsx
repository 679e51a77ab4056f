/**
 * An app row's action. An HTTP app's Launch opens the launcher (`/web/launch/<fqdn>/<cluster>/
 * <public addr>`, Teleport's route) in a new tab, which creates the app session and hands its
 * cookie to the app's own host. A TCP app cannot run in a browser: Connect shows the commands
 * that give it a local port (`tsh proxy app`), as Teleport's dialog does.
 */
import type { WebApp } from '@api/web-resources-wire';
import { ConnectDialog, type ConnectStep } from './ConnectDialog';

/** True for a TCP app (`tcp://host:port`). */
export function isTCPApp(a: Pick<WebApp, 'uri'>): boolean {
  return /^tcp:\/\//i.test(a.uri);
}

/** The launcher's path for `a` (Teleport's cfg.getAppLauncherRoute). */
export function appLaunchPath(a: Pick<WebApp, 'fqdn' | 'clusterId' | 'publicAddr'>): string {
  return `/web/launch/${[a.fqdn, a.clusterId, a.publicAddr].map(encodeURIComponent).join('/')}`;
}

/** The commands that reach a TCP app, in order. */
export function tcpAppCommands(a: Pick<WebApp, 'name'>, proxy: string, user: string): ConnectStep[] {
  return [
    { title: 'Log in to Teleport', command: `tsh login --proxy=${proxy} --user=${user}` },
    { title: 'Start a local proxy for the app', command: `tsh proxy app ${a.name} --port 8080` },
    { title: 'Connect your client to the local port', command: '127.0.0.1:8080' },
  ];
}

function TCPConnect({ app }: { app: WebApp }) {
  return (
    <ConnectDialog name={app.name} steps={(proxy, user) => tcpAppCommands(app, proxy, user)}>
      {app.name} is a TCP application: any client of its protocol connects to the local port while <code>tsh proxy app</code> runs (leave out{' '}
      <code>--port</code> for a random one).
    </ConnectDialog>
  );
}

/** Launch (HTTP apps) or Connect (TCP apps). */
export function AppAction({ app }: { app: WebApp }) {
  if (isTCPApp(app)) return <TCPConnect app={app} />;
  return (
    <a className="btn btn-secondary btn-sm" href={appLaunchPath(app)} target="_blank" rel="noreferrer" aria-label={`Launch ${app.name}`}>
      Launch
    </a>
  );
}
