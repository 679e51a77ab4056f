/**
 * The app launcher (`/web/launch/:fqdn/:clusterId?/:publicAddr?`), Teleport's flow for putting an
 * app session's cookie on the app's own host:
 * 1. without `state`: send the browser to the app's `https://<fqdn>/x-teleport-auth` (with the
 *    cluster, address and path), whose server sets a state cookie there and sends it back here
 *    with `?state=<token>`;
 * 2. with `state`: check the app resolves to this FQDN, create the app session (`POST
 *    /webapi/sessions/app`), and go to `https://<fqdn>/x-teleport-auth?state=..&subject=..#value=<id>`,
 *    whose page hands the values to its server, which sets the session cookies and opens the app.
 * The app's host is served on the proxy's port, so the port of this page is kept.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, Spinner } from '../../components/ui';
import { createAppSession, fetchAppDetails } from '../../services/apps';

/** What the launch route carries. */
export interface LaunchParams {
  fqdn: string;
  clusterId?: string;
  publicAddr?: string;
}

/** Where the browser goes; tests pass their own. */
export interface LaunchNavigator {
  replace(url: string): void;
}

/** The host of an FQDN without port, lower-cased (Teleport compares them so). */
export function sameFQDN(a: string, b: string): boolean {
  const host = (s: string) => {
    try {
      return new URL(`https://${s}`).hostname.toLowerCase();
    } catch {
      throw new Error(`Failed to parse URL: "${s}" is not a host name`);
    }
  };
  return host(a) === host(b);
}

/** `https://<fqdn><:port>/x-teleport-auth`. */
export function xTeleportAuthURL(fqdn: string, port: string): URL {
  try {
    return new URL(`https://${fqdn}${port ? `:${port}` : ''}/x-teleport-auth`);
  } catch {
    throw new Error(`Failed to parse URL: "${fqdn}" is not a host name`);
  }
}

/** The path (and query) to open in the app, from the launch URL's `path` and `query` parameters. */
export function launchPath(search: URLSearchParams): string {
  let path = search.get('path') ?? '';
  if (path && !path.startsWith('/')) path = `/${path}`;
  if (path && search.has('query')) path += `?${search.get('query')}`;
  return path;
}

/** Runs one step of the flow for `params` and the page's query; resolves with the URL to go to. */
export async function launchStep(params: LaunchParams, search: URLSearchParams, port: string): Promise<string> {
  const details = await fetchAppDetails(params);
  if (!sameFQDN(details.fqdn, params.fqdn)) throw new Error(`Failed to match applications with FQDN "${params.fqdn}"`);
  const path = launchPath(search);
  const url = xTeleportAuthURL(params.fqdn, port);
  const state = search.get('state');
  if (!state) {
    if (path) url.searchParams.set('path', path);
    if (params.clusterId) url.searchParams.set('cluster', params.clusterId);
    if (params.publicAddr) url.searchParams.set('addr', params.publicAddr);
    return url.toString();
  }
  const session = await createAppSession({ fqdn: params.fqdn, ...(params.clusterId && { cluster_name: params.clusterId }), ...(params.publicAddr && { public_addr: params.publicAddr }) });
  url.searchParams.set('state', state);
  url.searchParams.set('subject', session.subject_cookie_value);
  if (path) url.searchParams.set('path', path);
  url.hash = `#value=${session.cookie_value}`;
  return url.toString();
}

/** The page: a spinner while launching, the reason when it cannot. */
export function AppLauncher({ params, navigator = window.location }: { params: LaunchParams; navigator?: LaunchNavigator }) {
  const [error, setError] = useState<string>();
  const started = useRef('');
  useEffect(() => {
    const key = `${params.fqdn}|${params.clusterId ?? ''}|${params.publicAddr ?? ''}|${location.search}`;
    if (started.current === key) return;
    started.current = key;
    launchStep(params, new URLSearchParams(location.search), location.port).then(
      (url) => navigator.replace(url),
      (err: unknown) => {
        // fetch fails with a TypeError when the connection does (an untrusted certificate, say).
        if (err instanceof TypeError) setError(`Unable to access "${params.fqdn}". This may happen if your Teleport Proxy is using an untrusted or self-signed certificate.`);
        else setError(err instanceof Error ? err.message : String(err));
      },
    );
  }, [params, navigator]);
  if (error) {
    return (
      <div className="center-page">
        <Alert title="Access denied">{error}</Alert>
      </div>
    );
  }
  return <Spinner label={`Launching ${params.fqdn}`} />;
}
