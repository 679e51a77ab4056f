/** The commented sample teleport.yaml that `teleport configure` prints. */
import { hostname as osHostname } from 'node:os';
import { BadParameterError } from '../api/errors.js';
import { formatAddr, parseAddr } from './address.js';
import { BIND_IP, DEFAULT_DATA_DIR, PORTS } from './defaults.js';

/** Options of `teleport configure` that shape the sample. */
export interface SampleOptions {
  clusterName?: string;
  /** Proxy public address; the port (default 443) also becomes the web listener's port. */
  publicAddr?: string;
  dataDir?: string;
  nodename?: string;
}

/** Quote a value as a YAML double-quoted scalar (JSON strings are valid YAML). */
function q(value: string): string {
  return JSON.stringify(value);
}

/**
 * A v3 config that runs auth, proxy and SSH in one process, with comments for a person to edit.
 * It parses with parseConfig. Throws BadParameterError for a malformed public address.
 */
export function sampleConfig(opts: SampleOptions = {}): string {
  const nodename = opts.nodename || osHostname();
  const dataDir = opts.dataDir || DEFAULT_DATA_DIR;
  let webPort: number = PORTS.proxyWeb;
  let publicAddr: string | undefined;
  if (opts.publicAddr) {
    let a;
    try {
      a = parseAddr(opts.publicAddr, PORTS.https);
    } catch (err) {
      throw new BadParameterError(`--public-addr: ${(err as Error).message}`, { cause: err });
    }
    publicAddr = formatAddr(a);
    webPort = a.port;
  }
  const lines = [
    '# Teleport configuration, written by `teleport configure`.',
    '# Every key is described at https://goteleport.com/docs/reference/config/',
    'version: v3',
    'teleport:',
    '  # How this host appears in the cluster (tsh ls, host certificates).',
    `  nodename: ${q(nodename)}`,
    '  # Keys, the embedded database and session recordings live here.',
    `  data_dir: ${q(dataDir)}`,
    '  log:',
    '    # stderr, stdout, syslog or a file path.',
    '    output: stderr',
    '    # DEBUG, INFO, WARN or ERROR.',
    '    severity: INFO',
    '    format:',
    '      output: text',
    '  # Agents joining this cluster check the auth server against these CA pins.',
    '  ca_pin: ""',
    '  # host:port for /healthz, /readyz and /metrics; empty leaves them off.',
    '  diag_addr: ""',
    '',
    'auth_service:',
    '  enabled: "yes"',
    `  listen_addr: ${BIND_IP}:${PORTS.auth}`,
    ...(opts.clusterName
      ? ['  # Appears in every certificate; changing it later means a new cluster.', `  cluster_name: ${q(opts.clusterName)}`]
      : ['  # cluster_name defaults to the nodename; set it before the first start.']),
    '  # One web port for HTTPS, SSH, tunnels and databases (TLS routing).',
    '  proxy_listener_mode: multiplex',
    '',
    'ssh_service:',
    '  enabled: "yes"',
    '  # Labels select hosts in roles and in `tsh ls env=prod`.',
    '  labels: {}',
    '  # Command labels: re-run every period, their output becomes the value.',
    '  commands:',
    '  - name: hostname',
    '    command: [hostname]',
    '    period: 1m0s',
    '',
    'proxy_service:',
    '  enabled: "yes"',
    `  web_listen_addr: ${BIND_IP}:${webPort}`,
    ...(publicAddr
      ? ['  # The address users and agents reach the proxy at.', `  public_addr: ${q(publicAddr)}`]
      : ['  # public_addr: teleport.example.com:443']),
    '  # TLS certificate and key for the web listener; empty means a self-signed one.',
    '  https_keypairs: []',
    '  https_keypairs_reload_interval: 0s',
    '  acme: {}',
    '',
  ];
  return lines.join('\n');
}
