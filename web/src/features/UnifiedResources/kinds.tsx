/**
 * How the resources page shows each kind: its icon and names, the name and detail of a resource,
 * its address and labels, and its action (Connect: a login menu for a server, the tsh commands for a
 * database, a Kubernetes cluster or a TCP app; Launch for a web app). A kind is one entry; the page
 * and its table need nothing else.
 */
import type { WebResourceKind, WebUnifiedResource } from '@api/web-resources-wire';
import type { WebLabel } from '@api/web-wire';
import type { ReactNode } from 'react';
import { paths } from '../../router';
import { AppAction, isTCPApp } from './AppLaunch';
import { DbConnect, databaseType } from './DbConnect';
import { KubeConnect } from './KubeConnect';
import { LoginMenu } from './LoginMenu';

/** One kind of resource in the UI. */
export interface UiKind<T extends WebUnifiedResource> {
  /** "Server". */
  label: string;
  /** "servers", as counts and messages say it. */
  plural: string;
  icon: ReactNode;
  /** Unique within the kind (a server's UUID). */
  key(r: T): string;
  /** The name shown first (a server's hostname). */
  name(r: T): string;
  /** The smaller line under the name (a server's UUID). */
  detail(r: T): string;
  /** Where it is (`10.0.0.5:3022`, or through a tunnel). */
  address(r: T): string;
  labels(r: T): WebLabel[];
  /** The row's button. */
  action(r: T, site: string): ReactNode;
}

const glyph = (d: string) => (
  <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
    <path d={d} fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
  </svg>
);

type KindTable = { [K in WebResourceKind]: UiKind<Extract<WebUnifiedResource, { kind: K }>> };

/** Every kind the page knows, in the order the type filter lists them. */
export const UI_KINDS: KindTable = {
  node: {
    label: 'Server',
    plural: 'servers',
    icon: glyph('M4 5h16v5H4zM4 14h16v5H4zM8 7.5h.01M8 16.5h.01'),
    key: (n) => n.id,
    name: (n) => n.hostname,
    detail: (n) => n.id,
    address: (n) => (n.tunnel ? '⟷ tunnel' : n.addr),
    labels: (n) => n.tags,
    action: (n, site) => <LoginMenu hostname={n.hostname} logins={n.sshLogins} onPick={(login) => window.open(paths.console(site, n.id, login), '_blank')} />,
  },
  db: {
    label: 'Database',
    plural: 'databases',
    icon: glyph('M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3'),
    key: (d) => d.name,
    name: (d) => d.name,
    detail: (d) => d.description || databaseType(d),
    address: (d) => `${databaseType(d)}${d.hostname ? ` · ${d.hostname}` : ''}`,
    labels: (d) => d.labels,
    action: (d) => <DbConnect db={d} />,
  },
  kube_cluster: {
    label: 'Kubernetes',
    plural: 'Kubernetes clusters',
    icon: glyph('M12 2l8.5 4.5v9L12 20l-8.5-4.5v-9zM12 8v4M12 12l3.5 2M12 12l-3.5 2'),
    key: (k) => k.name,
    name: (k) => k.name,
    detail: () => 'Kubernetes cluster',
    address: () => '',
    labels: (k) => k.labels,
    action: (k) => <KubeConnect kube={k} />,
  },
  app: {
    label: 'Application',
    plural: 'applications',
    icon: glyph('M4 5h16v14H4zM4 9h16M7 7h.01M10 7h.01'),
    key: (a) => a.name,
    name: (a) => a.name,
    detail: (a) => a.description || (isTCPApp(a) ? 'TCP application' : 'Web application'),
    address: (a) => a.publicAddr,
    labels: (a) => a.labels,
    action: (a) => <AppAction app={a} />,
  },
};

/** The entry of `r`'s kind. */
export function uiKind(r: WebUnifiedResource): UiKind<WebUnifiedResource> {
  return UI_KINDS[r.kind] as UiKind<WebUnifiedResource>;
}

/** The kinds, in table order. */
export const KIND_NAMES = Object.keys(UI_KINDS) as WebResourceKind[];
