/**
 * The OpenSSH client configuration `tsh config` prints, in Teleport's layout: one block for the
 * cluster's hosts and the proxy (known hosts, key and certificate from ~/.tsh), one for the hosts
 * other than the proxy (node port, ProxyCommand through `tsh proxy ssh`).
 */
import { CERT_SUFFIX } from '../sshca/index.js';

/** What the block is made of. */
export interface SSHConfigParams {
  cluster: string;
  /** The web proxy's host and port (`--proxy` of the ProxyCommand). */
  proxyHost: string;
  proxyPort: string;
  knownHostsPath: string;
  identityFilePath: string;
  certificateFilePath: string;
  /** Absolute path of the tsh to run as ProxyCommand. */
  tshPath: string;
  /** Node SSH port (default 3022). */
  port?: number;
  /** `-l`: a `User` line for both blocks. */
  login?: string;
}

/**
 * HostKeyAlgorithms: host certificates only, of every key type a host may have (our hosts are not
 * all RSA, as Teleport's template assumes); RSA with SHA-2 only.
 */
export const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256'].map(
  (a) => a + CERT_SUFFIX,
);

/** The config text, ending with a newline. */
export function renderSSHConfig(p: SSHConfigParams): string {
  const user = p.login ? [`    User "${p.login}"`] : [];
  return [
    `# Begin generated Teleport configuration for ${p.proxyHost} by tsh`,
    '',
    `# Common flags for all ${p.cluster} hosts`,
    `Host *.${p.cluster} ${p.proxyHost}`,
    `    UserKnownHostsFile "${p.knownHostsPath}"`,
    `    IdentityFile "${p.identityFilePath}"`,
    `    CertificateFile "${p.certificateFilePath}"`,
    `    HostKeyAlgorithms ${HOST_KEY_ALGORITHMS.join(',')}`,
    ...user,
    '',
    `# Flags for all ${p.cluster} hosts except the proxy`,
    `Host *.${p.cluster} !${p.proxyHost}`,
    `    Port ${p.port ?? 3022}`,
    `    ProxyCommand "${p.tshPath}" proxy ssh --cluster=${p.cluster} --proxy=${p.proxyHost}:${p.proxyPort} %r@%h:%p`,
    ...user,
    '',
    '# End generated Teleport configuration',
    '',
  ].join('\n');
}
