/** The `proxy_service:` section: web, SSH, tunnel and protocol listeners, public addresses, TLS. */
import type { Node } from 'yaml';
import type { NetAddr } from './address.js';
import {
  addr,
  bool,
  duration,
  fields,
  list,
  oneOf,
  oneOrMany,
  str,
  type Fields,
  type Reader,
  type SourceContext,
} from './read.js';
import { BIND_IP, PORTS } from './defaults.js';
import type { ConfigVersion, ProxyServiceConfig } from './types.js';

const KEYS = [
  'enabled',
  'web_listen_addr',
  'listen_addr',
  'tunnel_listen_addr',
  'kube_listen_addr',
  'kube_public_addr',
  'mysql_listen_addr',
  'mysql_public_addr',
  'mysql_server_version',
  'postgres_listen_addr',
  'postgres_public_addr',
  'mongo_listen_addr',
  'public_addr',
  'ssh_public_addr',
  'tunnel_public_addr',
  'https_keypairs',
  'https_keypairs_reload_interval',
  'https_key_file',
  'https_cert_file',
  'kubernetes',
  'trust_x_forwarded_for',
  'acme',
  'proxy_protocol',
] as const;

const keypair: Reader<{ keyFile: string; certFile: string }> = (node, path, ctx) => {
  const k: Fields = fields(node, path, ctx, ['key_file', 'cert_file']);
  const keyFile = k.get('key_file', str);
  const certFile = k.get('cert_file', str);
  if (!keyFile) k.fail('key_file', 'key_file is required');
  if (!certFile) k.fail('cert_file', 'cert_file is required');
  return { keyFile, certFile };
};

/**
 * Read `proxy_service:` (absent: all defaults); `enabled` is undefined when not written. As in
 * Teleport, a v1 config gets the tunnel listener on 3024 by default; from v2 on, an unwritten
 * `tunnel_listen_addr` means agents reach the tunnel server through the web port.
 */
export function readProxy(node: Node | null, ctx: SourceContext, version: ConfigVersion = 'v1'): { config: ProxyServiceConfig; enabled?: boolean } {
  const f = fields(node, 'proxy_service', ctx, KEYS);
  const at = (key: string, port: number): NetAddr => f.get(key, addr(port)) ?? { host: BIND_IP, port };
  const web = at('web_listen_addr', PORTS.proxyWeb);
  let tunnel = f.get('tunnel_listen_addr', addr(PORTS.proxyTunnel)) ?? (version === 'v1' ? { host: BIND_IP, port: PORTS.proxyTunnel } : undefined);
  // Teleport's way of saying "tunnels through the web port" in a v1 config.
  if (tunnel && tunnel.host === web.host && tunnel.port === web.port) tunnel = undefined;
  if (f.has('mongo_listen_addr')) f.fail('mongo_listen_addr', 'MongoDB access is not available in this release: remove mongo_listen_addr');
  const addrs = (key: string, port: number): NetAddr[] => f.get(key, oneOrMany(addr(port))) ?? [];
  const keypairs = f.get('https_keypairs', list(keypair)) ?? [];
  const legacyKey = f.get('https_key_file', str);
  const legacyCert = f.get('https_cert_file', str);
  if (legacyKey && !legacyCert) f.fail('https_key_file', 'https_key_file needs https_cert_file as well');
  if (legacyCert && !legacyKey) f.fail('https_cert_file', 'https_cert_file needs https_key_file as well');
  if (legacyKey && legacyCert) keypairs.push({ keyFile: legacyKey, certFile: legacyCert });
  const kube = f.section('kubernetes', ['enabled', 'listen_addr', 'public_addr', 'kubeconfig_file']);
  const kubeEnabled = kube.get('enabled', bool) ?? false;
  // The 2019 form: the proxy itself holds the kubeconfig and runs the Kubernetes agent in process.
  const kubeconfigFile = kube.get('kubeconfig_file', str) || undefined;
  if (kubeconfigFile && !kubeEnabled) kube.fail('kubeconfig_file', 'kubeconfig_file is read only with enabled: yes in this section; enable it or remove kubeconfig_file');
  const kubeLegacyAddr = kube.get('listen_addr', addr(PORTS.proxyKube));
  const acme = f.section('acme', ['enabled', 'email', 'uri']);
  return {
    enabled: f.get('enabled', bool),
    config: {
      webListenAddr: web,
      listenAddr: at('listen_addr', PORTS.proxySsh),
      ...(tunnel && { tunnelListenAddr: tunnel }),
      // The legacy `kubernetes:` section's listener, when enabled, is the same listener.
      kubeListenAddr: f.get('kube_listen_addr', addr(PORTS.proxyKube)) ?? (kubeEnabled ? (kubeLegacyAddr ?? { host: BIND_IP, port: PORTS.proxyKube }) : undefined),
      mysqlListenAddr: f.get('mysql_listen_addr', addr(PORTS.proxyMysql)),
      ...(f.get('mysql_server_version', str) && { mysqlServerVersion: f.get('mysql_server_version', str) }),
      postgresListenAddr: f.get('postgres_listen_addr', addr(PORTS.proxyPostgres)),
      publicAddrs: addrs('public_addr', PORTS.proxyWeb),
      sshPublicAddrs: addrs('ssh_public_addr', PORTS.proxySsh),
      tunnelPublicAddrs: addrs('tunnel_public_addr', PORTS.proxyTunnel),
      kubePublicAddrs: addrs('kube_public_addr', PORTS.proxyKube),
      mysqlPublicAddrs: addrs('mysql_public_addr', PORTS.proxyMysql),
      postgresPublicAddrs: addrs('postgres_public_addr', PORTS.proxyPostgres),
      httpsKeypairs: keypairs,
      httpsKeypairsReloadInterval: f.get('https_keypairs_reload_interval', duration) ?? 0,
      kubernetes: {
        enabled: kubeEnabled,
        listenAddr: kubeLegacyAddr,
        publicAddrs: kube.get('public_addr', oneOrMany(addr(PORTS.proxyKube))) ?? [],
        ...(kubeconfigFile && { kubeconfigFile }),
      },
      trustXForwardedFor: f.get('trust_x_forwarded_for', bool) ?? false,
      acme: {
        enabled: acme.get('enabled', bool) ?? false,
        email: acme.get('email', str) || undefined,
        uri: acme.get('uri', str) || undefined,
      },
      proxyProtocol: f.get('proxy_protocol', oneOf(['on', 'off'] as const)),
      disableTls: false,
    },
  };
}
