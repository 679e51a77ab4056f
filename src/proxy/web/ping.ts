/** The bodies of `/webapi/ping` and `/webapi/find`, in Teleport's PingResponse shape. */
import { VERSION } from '../../api/version.js';
import { passwordlessAllowed, webauthnEnabled } from '../../api/mfa-wire.js';
import type { ProxyAuth } from '../proxy-auth.js';

/** The SSH address a proxy advertised before it knew its own: the web host on Teleport's port 3023. */
export function defaultSSHPublicAddr(webPublicAddr: string): string {
  return `${webPublicAddr.replace(/:\d+$/, '')}:3023`;
}

/** The tunnel address a proxy advertises without a running tunnel listener: the web host on 3024. */
export function defaultTunnelPublicAddr(webPublicAddr: string): string {
  return `${webPublicAddr.replace(/:\d+$/, '')}:3024`;
}

/**
 * Teleport's KubeProxySettings: whether the proxy serves Kubernetes (always on the web port by SNI
 * `kube-teleport-proxy-alpn.*`; `listen_addr` the separate `kube_listen_addr`, `public_addr` its
 * `kube_public_addr`), which `tsh kube login` writes into the kubeconfig.
 */
export interface KubeProxySettings {
  enabled: boolean;
  public_addr?: string;
  listen_addr?: string;
}

/**
 * Proxy facts shared by ping and find; `db` the separate database listeners (`mysql_listen_addr`,
 * where tsh points MySQL clients, since a MySQL server speaks first and cannot share the web port); `sshPublicAddr` is where clients reach the SSH listener,
 * `tunnelPublicAddr` where agents reach the reverse tunnel listener (what agents dial after find),
 * `tlsRouting` whether the web port routes every protocol by ALPN (agents then dial tunnels there).
 */
function proxySettings(publicAddr: string, sshPublicAddr: string, tunnelPublicAddr?: string, tlsRouting = false, db: Record<string, string> = {}, kube: KubeProxySettings = { enabled: false }): Record<string, unknown> {
  return {
    kube,
    ssh: {
      listen_addr: '0.0.0.0:3023',
      // With TLS routing the tunnel server has no port of its own: agents use the web address.
      tunnel_listen_addr: tlsRouting ? publicAddr : '0.0.0.0:3024',
      web_listen_addr: publicAddr,
      public_addr: publicAddr,
      ssh_public_addr: sshPublicAddr,
      ssh_tunnel_public_addr: tunnelPublicAddr ?? defaultTunnelPublicAddr(publicAddr),
    },
    db,
    tls_routing_enabled: tlsRouting,
  };
}

/** `GET /webapi/ping`: the cluster's login settings and the proxy's addresses. */
export async function pingResponse(auth: ProxyAuth, publicAddr: string, sshPublicAddr: string, tunnelPublicAddr?: string, tlsRouting?: boolean, db?: Record<string, string>, kube?: KubeProxySettings): Promise<Record<string, unknown>> {
  const cap = await auth.authPreference();
  const sso = await ssoSettings(auth, cap.spec.type, cap.spec.connector_name);
  return {
    auth: {
      type: cap.spec.type ?? 'local',
      second_factor: cap.spec.second_factor ?? 'otp',
      preferred_local_mfa: cap.spec.second_factor === 'webauthn' ? 'webauthn' : 'otp',
      allow_passwordless: passwordlessAllowed(cap.spec),
      // WebAuthn's relying party ID when set; else the browser's host is used (the proxy's public host).
      ...(webauthnEnabled(cap.spec) && { webauthn: { rp_id: cap.spec.webauthn?.rp_id ?? publicAddr.replace(/:\d+$/, '') } }),
      local: { name: '' },
      has_motd: Boolean(cap.spec.message_of_the_day),
      ...sso,
    },
    proxy: proxySettings(publicAddr, sshPublicAddr, tunnelPublicAddr, tlsRouting, db, kube),
    server_version: VERSION,
    min_client_version: VERSION,
    cluster_name: auth.clusterName,
    automatic_upgrades: false,
  };
}

/** `GET /webapi/find`: the cheaper ping for agents, without login settings. */
export function findResponse(auth: Pick<ProxyAuth, 'clusterName'>, publicAddr: string, sshPublicAddr: string, tunnelPublicAddr?: string, tlsRouting?: boolean, kube?: KubeProxySettings): Record<string, unknown> {
  return { proxy: proxySettings(publicAddr, sshPublicAddr, tunnelPublicAddr, tlsRouting, {}, kube), server_version: VERSION, min_client_version: VERSION, cluster_name: auth.clusterName };
}

/**
 * Ping's SSO part, as Teleport's: the connector of the cluster's `authentication.type` (the one
 * `connector_name` names, else the first of that kind) as `github|oidc|saml: {name, display}`, and
 * every connector of every kind in `connectors` (this product's addition: the login page offers all).
 */
async function ssoSettings(auth: ProxyAuth, type: string | undefined, connectorName: string | undefined): Promise<Record<string, unknown>> {
  const all = await auth.ssoConnectors();
  const out: Record<string, unknown> = { connectors: all };
  if (type === 'github' || type === 'oidc' || type === 'saml') {
    const ofType = all.filter((c) => c.kind === type);
    const chosen = (connectorName ? ofType.find((c) => c.name === connectorName) : undefined) ?? ofType[0];
    if (chosen) out[type] = { name: chosen.name, display: chosen.display };
  }
  return out;
}
