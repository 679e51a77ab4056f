/**
 * tsh's connection to the proxy's SSH listener: log in with the user certificate, check the proxy's
 * host certificate against the cluster's host CA, then reach nodes (`proxy:host:port@cluster`,
 * with an end-to-end SSH session over it) and the auth API (`proxy:@cluster`, TLS over it).
 */
import { AuthClient } from '../api/client/index.js';
import { splitHostPort } from '../api/client/index.js';
import { AccessDeniedError, ConnectionProblemError, isCode } from '../api/errors.js';
import type { Node } from '../api/types/index.js';
import { connectSSH, type SSHClient, type SubsystemChannel } from '../sshutils/index.js';
import type { ClientIdentity } from './client-identity.js';
import { hostVerifier } from './known-hosts.js';

/** Options of ProxyClient.connect. */
export interface ProxyClientOptions {
  identity: ClientIdentity;
  /** The cluster to reach through this proxy (`--cluster`); default the identity's. */
  cluster?: string;
  /** Epoch ms now (certificate validity checks). */
  now?: () => number;
  timeoutMs?: number;
}

/** Where and as whom to log in on a node. */
export interface NodeTarget {
  /** What the proxy resolves: hostname, UUID, `<uuid>.<cluster>`, address or `k=v` labels. */
  host: string;
  /** 0: any port (the proxy matches by name). */
  port: number;
  login: string;
  /**
   * The node's UUID when the caller already resolved it (labels, session trackers); otherwise
   * connectNode resolves `host` among the nodes the user may see. The node's host certificate
   * must name this UUID.
   */
  hostId?: string;
  /** Forward this ssh-agent socket (`-A`). */
  agent?: string;
  /** Another SSH certificate of the same key (a per-session MFA certificate), as its wire blob. */
  cert?: Buffer;
}

/** A connected proxy client; `close` ends the connection and every node session over it. */
export class ProxyClient {
  private readonly nodes = new Set<SSHClient>();
  private auth: AuthClient | undefined;

  private constructor(
    private readonly ssh: SSHClient,
    readonly identity: ClientIdentity,
    /** The cluster nodes and the auth API are asked for (`proxy:...@cluster`). */
    readonly cluster: string,
    private readonly now: () => number,
    private readonly timeoutMs: number | undefined,
  ) {}

  /**
   * Log in to the proxy as the certificate's first principal (as Teleport's tsh does). Throws
   * AccessDeniedError when the proxy is not trusted or refuses the certificate,
   * ConnectionProblemError when it cannot be reached.
   */
  static async connect(opts: ProxyClientOptions): Promise<ProxyClient> {
    const id = opts.identity;
    const now = opts.now ?? Date.now;
    const { host, port } = splitHostPort(id.sshProxyAddr);
    const verifier = hostVerifier({ trustedCAs: id.hostCAs.map((c) => c.key), now, host: 'proxy' }, `the proxy at ${id.sshProxyAddr}`);
    const login = id.sshCert.principals[0] ?? id.username;
    try {
      const ssh = await connectSSH({
        host,
        port,
        username: login,
        privateKey: id.privateKey,
        cert: id.sshCert.blob,
        verifyHostKey: (k) => verifier.verify(k),
        ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }),
      });
      return new ProxyClient(ssh, id, opts.cluster || id.cluster, now, opts.timeoutMs);
    } catch (err) {
      const refused = verifier.refusal();
      if (refused) throw refused;
      if (isCode(err, 'access_denied')) {
        throw new AccessDeniedError(`the proxy at ${id.sshProxyAddr} refused the certificate of ${id.username}; log in again with "tsh login"`, { cause: err });
      }
      throw new ConnectionProblemError(`cannot connect to the proxy at ${id.sshProxyAddr}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * A raw byte stream to `host:port` (what `tsh proxy ssh` relays). Rejects with
   * SubsystemRefusedError carrying the proxy's reason (an unknown node, a bad request).
   */
  dial(host: string, port: number): Promise<SubsystemChannel> {
    return this.ssh.subsystem(`proxy:${formatHostPort(host, port)}@${this.cluster}`);
  }

  /**
   * The auth API through the proxy, with the user's TLS certificate: one client for this proxy
   * connection, so that a command's calls (`tsh ssh`'s MFA check and node lookup) share one TLS
   * connection instead of a subsystem channel and a handshake each. Closed with the proxy client.
   */
  authClient(): AuthClient {
    this.auth ??= this.newAuthClient();
    return this.auth;
  }

  private newAuthClient(): AuthClient {
    const id = this.identity;
    return new AuthClient({
      // Only named in messages: every request dials through the proxy.
      addr: `auth.${this.cluster}:3025`,
      // The certificate and SNI of the cluster that issued the credentials.
      clusterName: id.cluster,
      credentials: { keyPem: id.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: id.tlsCertPem, caPems: id.tlsCAs },
      dial: () => this.ssh.subsystem(`proxy:@${this.cluster}`),
      ...(this.timeoutMs && { timeoutMs: this.timeoutMs }),
    });
  }

  /**
   * An SSH session with a node, end to end over the proxy. Throws AccessDeniedError when the node
   * refuses the login (`access denied to <login> connecting to <host>`) or is not trusted, and
   * ConnectionProblemError with the proxy's own words when it cannot route to the node.
   */
  async connectNode(t: NodeTarget): Promise<SSHClient> {
    const id = this.identity;
    // Dial the node by the UUID it resolved to, so the proxy routes to the record checked below.
    // Unresolved: several match (the proxy explains), or none the user may see (the node refuses
    // the user; only a certificate naming the host as typed is accepted meanwhile).
    const hostId = t.hostId ?? (await this.resolveHostId(t.host, t.port));
    const channel = await this.dial(hostId ?? t.host, t.port);
    // The proxy explains a failed route on the channel's stderr, then closes it.
    let said = '';
    channel.stderr.on('data', (d: Buffer) => (said += d.toString('utf8')));
    const verifier = hostVerifier({ trustedCAs: id.hostCAs.map((c) => c.key), now: this.now, host: hostId !== undefined ? { hostId, clusterName: this.cluster } : { name: t.host } }, `node "${t.host}"`);
    try {
      const client = await connectSSH({
        sock: channel,
        username: t.login,
        privateKey: id.privateKey,
        cert: t.cert ?? id.sshCert.blob,
        verifyHostKey: (k) => verifier.verify(k),
        ...(t.agent && { agent: t.agent, agentForward: true }),
        ...(this.timeoutMs && { timeoutMs: this.timeoutMs }),
      });
      this.nodes.add(client);
      void client.closed.then(() => this.nodes.delete(client));
      return client;
    } catch (err) {
      channel.destroy();
      const refused = verifier.refusal();
      if (refused) throw refused;
      if (isCode(err, 'access_denied')) throw new AccessDeniedError(`access denied to ${t.login} connecting to ${t.host}`, { cause: err });
      // Give stderr a moment: it can trail the close of the channel.
      if (said === '') await new Promise((r) => setTimeout(r, 50));
      const reason = said.trim();
      throw new ConnectionProblemError(reason || `failed connecting to node ${t.host}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * The UUID of the one node `host` names among those the user may see: a UUID or
   * `<uuid>.<cluster>` as is, else by hostname or address (and port, unless 0), as the proxy
   * resolves. Undefined when none or several match.
   */
  async resolveHostId(host: string, port: number): Promise<string | undefined> {
    const suffix = `.${this.cluster}`;
    const bare = host.endsWith(suffix) ? host.slice(0, -suffix.length) : host;
    if (UUID_RE.test(bare)) return bare.toLowerCase();
    const nodes = await this.authClient().listNodes<Node>({ host });
    for (const name of [host, bare]) {
      const matches = nodes.filter((n) => namesNode(n, name, port));
      if (matches.length > 0) return matches.length === 1 ? matches[0].metadata.name : undefined;
    }
    return undefined;
  }

  /** Resolves when the proxy connection is gone. */
  get closed(): Promise<void> {
    return this.ssh.closed;
  }

  /** Close node sessions and the proxy connection; safe to call twice. */
  close(): void {
    for (const n of this.nodes) n.close();
    this.nodes.clear();
    this.auth?.close();
    this.auth = undefined;
    this.ssh.close();
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `host` (and `port`, 0 for any) names `node`: its hostname, or an address it listens on. */
function namesNode(node: Node, host: string, port: number): boolean {
  if (node.metadata.name === host) return true;
  const hostnameMatch = node.spec.hostname === host;
  if (node.spec.use_tunnel) return hostnameMatch;
  return [node.spec.addr ?? '', ...(node.spec.public_addrs ?? [])].some((a) => {
    let addr: { host: string; port: number };
    try {
      addr = splitHostPort(a);
    } catch {
      return false;
    }
    if (port !== 0 && addr.port !== port) return false;
    return hostnameMatch || addr.host === host;
  });
}

/** `host:port`, IPv6 hosts in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
