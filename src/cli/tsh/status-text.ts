/** The text of `tsh status` (and what `tsh login` prints), in Teleport's layout. */
import { formatDuration, MINUTE } from '../../api/duration.js';
import type { ProfileCredentials } from '../../client/index.js';

/** Go's `2006-01-02 15:04:05 -0700 MST` in the local time zone. */
export function goTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  // Intl loads ICU's time zone data (tens of ms of a `tsh status`): only for a zone other than UTC.
  const abbr = off === 0 ? 'UTC' : (new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)} ${abbr}`;
}

/**
 * The Kubernetes rows (Teleport's printStatus): enabled when the proxy serves Kubernetes, with the
 * kubeconfig's selected cluster and the certificate's Kubernetes users and groups.
 */
function kubeRows(c: ProfileCredentials, kubeCluster?: string): [string, string][] {
  if (!c.profile.kube_proxy_addr) return [['Kubernetes:', 'disabled']];
  return [
    ['Kubernetes:', 'enabled'],
    ...(kubeCluster ? [['Kubernetes cluster:', JSON.stringify(kubeCluster)] as [string, string]] : []),
    ...(c.identity.kubernetesUsers?.length ? [['Kubernetes users:', c.identity.kubernetesUsers.join(', ')] as [string, string]] : []),
    ...(c.identity.kubernetesGroups?.length ? [['Kubernetes groups:', c.identity.kubernetesGroups.join(', ')] as [string, string]] : []),
  ];
}

/** The profile block; `active` prefixes `> `; `kubeCluster` is the kubeconfig's selected cluster of this profile. */
export function statusText(c: ProfileCredentials, now: number, active = true, kubeCluster?: string): string {
  const until = new Date(Number(c.sshCert.validBefore) * 1000);
  const left = until.getTime() - now;
  const validity = left > 0 ? `[valid for ${formatDuration(Math.round(left / MINUTE) * MINUTE)}]` : '[EXPIRED]';
  const logins = c.sshCert.principals.filter((p) => !p.startsWith('-teleport-'));
  const extensions = Object.keys(c.sshCert.extensions).filter((e) => e.startsWith('permit-')).sort();
  const rows: [string, string][] = [
    ['Profile URL:', `https://${c.profile.web_proxy_addr}`],
    ['Logged in as:', c.identity.username],
    ['Cluster:', c.profile.cluster],
    ['Roles:', c.identity.groups.join(', ')],
    ['Logins:', logins.join(', ')],
    ...kubeRows(c, kubeCluster),
    ['Valid until:', `${goTime(until)} ${validity}`],
    ['Extensions:', extensions.join(', ')],
  ];
  const lines = rows.map(([k, v], i) => `${i === 0 && active ? '> ' : '  '}${k.padEnd(19)} ${v}`);
  return lines.join('\n') + '\n\n';
}
