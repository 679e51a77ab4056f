/** The bodies of `/webapi/ping` and `/webapi/find`, in Teleport's PingResponse shape. */
import { VERSION } from '../../api/version.js';
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
 * Proxy facts shared by ping and find; `db` the separate database listeners (`mysql_listen_addr`,
 * where tsh points MySQL clients, since a MySQL server speaks first and cannot share the web port); `sshPublicAddr` is where clients reach the SSH listener,
 * `tunnelPublicAddr` where agents reach the reverse tunnel listener (what agents dial after find),
 * `tlsRouting` whether the web port routes every protocol by ALPN (agents then dial tunnels there).
 */
function proxySettings(publicAddr: string, sshPublicAddr: string, tunnelPublicAddr?: string, tlsRouting = false, db: Record<string, string> = {}): Record<string, unknown> {
  return {
    kube: { enabled: false },
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
export async function pingResponse(auth: ProxyAuth, publicAddr: string, sshPublicAddr: string, tunnelPublicAddr?: string, tlsRouting?: boolean, db?: Record<string, string>): Promise<Record<string, unknown>> {
  const cap = await auth.authPreference();
  return {
    auth: {
      type: cap.spec.type ?? 'local',
      second_factor: cap.spec.second_factor ?? 'otp',
      preferred_local_mfa: cap.spec.second_factor === 'webauthn' ? 'webauthn' : 'otp',
      allow_passwordless: Boolean(cap.spec.allow_passwordless),
      local: { name: '' },
      has_motd: Boolean(cap.spec.message_of_the_day),
    },
    proxy: proxySettings(publicAddr, sshPublicAddr, tunnelPublicAddr, tlsRouting, db),
    server_version: VERSION,
    min_client_version: VERSION,
    cluster_name: auth.clusterName,
    automatic_upgrades: false,
  };
}

/** `GET /webapi/find`: the cheaper ping for agents, without login settings. */
export function findResponse(auth: Pick<ProxyAuth, 'clusterName'>, publicAddr: string, sshPublicAddr: string, tunnelPublicAddr?: string, tlsRouting?: boolean): Record<string, unknown> {
  return { proxy: proxySettings(publicAddr, sshPublicAddr, tunnelPublicAddr, tlsRouting), server_version: VERSION, min_client_version: VERSION, cluster_name: auth.clusterName };
}
