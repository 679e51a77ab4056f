/**
 * The auth service as a long-lived thing: initializes the cluster on its backend, gives itself a host
 * certificate, writes the local admin identity that `tctl` uses on this host, and serves the API.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIdentityFile, knownHostsLine } from '../api/identity-file.js';
import type { AuditLog } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { Services } from '../services/index.js';
import { AuthAPIServer, type AuthAPIServerOptions } from './api-server.js';
import { AuthService, type AuthServiceOptions } from './auth-service.js';
import { initCluster, type ClusterInitOptions } from './init.js';
import type { StaticToken } from './tokens.js';

/** The file under data_dir holding the local administrator's identity (mode 0600). */
export const ADMIN_IDENTITY_FILE = 'admin-identity.pem';
/** The file under data_dir naming the address the auth API is bound to (for tctl on this host). */
export const AUTH_ADDR_FILE = 'auth_addr';

/** Options of the auth service. */
export interface AuthServerOptions {
  services: Services;
  logger: Logger;
  dataDir: string;
  hostId: string;
  nodeName: string;
  cluster: ClusterInitOptions;
  staticTokens?: StaticToken[];
  listen: { host: string; port: number };
  /** Extra names and addresses for the server certificate (`auth_service.public_addr`). */
  publicAddrs?: string[];
  /** The proxy's public address for invite links (`host:port`). */
  proxyAddr: () => Promise<string>;
  /** The audit log (the process opens it from audit_events_uri); in memory when absent. */
  audit?: AuditLog;
  /** TLS versions and suites of the auth API (`teleport.ciphersuites`). */
  tlsOptions?: AuthAPIServerOptions['tlsOptions'];
  /** Session recordings' storage and mode (AuthServiceOptions.recordings). */
  recordings?: AuthServiceOptions['recordings'];
  /** How the secretless join methods reach AWS and Kubernetes (AuthServiceOptions.joinMethods). */
  joinMethods?: AuthServiceOptions['joinMethods'];
}

/** Starts and stops the auth service. */
export class AuthServer {
  readonly auth: AuthService;
  private api?: AuthAPIServer;
  private bound?: { host: string; port: number };

  private constructor(private readonly opts: AuthServerOptions, clusterName: string) {
    this.auth = new AuthService({
      services: opts.services,
      clusterName,
      staticTokens: opts.staticTokens ?? [],
      proxyAddr: opts.proxyAddr,
      audit: opts.audit,
      recordings: opts.recordings,
      joinMethods: opts.joinMethods,
    });
  }

  /** Initializes the cluster state (creating CAs and presets on first start). */
  static async create(opts: AuthServerOptions): Promise<AuthServer> {
    await initCluster(opts.services, opts.cluster);
    const name = (await opts.services.clusterName.get('cluster-name')).spec.cluster_name;
    return new AuthServer(opts, name);
  }

  get clusterName(): string {
    return this.auth.clusterName;
  }

  /** The bound API address. */
  get address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  /** Serves the API; returns the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    const { opts } = this;
    const publicHosts = (opts.publicAddrs ?? []).map((a) => a.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));
    const server = await this.hostCredentials('Auth', publicHosts);
    this.api = new AuthAPIServer({
      auth: this.auth,
      services: opts.services,
      host: opts.listen.host,
      port: opts.listen.port,
      certPem: server.tls,
      keyPem: server.keyPem,
      logger: opts.logger.child({ component: 'auth' }),
      ...(opts.tlsOptions && { tlsOptions: opts.tlsOptions }),
    });
    this.bound = await this.api.start();
    await this.writeAdminIdentity();
    opts.logger.info({ component: 'auth', cluster: this.clusterName, addr: `${this.bound.host}:${this.bound.port}` }, 'auth service is listening');
    return this.bound;
  }

  async close(): Promise<void> {
    // Watch streams end with a line saying why, so agents re-sync elsewhere instead of waiting for a ping.
    this.auth.watches.close();
    this.auth.hostNames.close();
    await this.api?.close();
    this.api = undefined;
  }

  /** Host credentials signed by this cluster's host CA, for this process's own services. */
  async hostCredentials(role: string, extraNames: string[] = []): Promise<{ keyPem: string; tls: string; ssh: string; tlsCAs: string[]; sshCAKeys: string[] }> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const res = await this.auth.issueHostCerts({
        host_id: this.opts.hostId,
        node_name: this.opts.nodeName,
        role,
        public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        additional_principals: extraNames,
      dns_names: extraNames,
    });
    return {
      keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      tls: res.tls,
      ssh: res.ssh,
      tlsCAs: res.tls_ca_certs,
      sshCAKeys: res.ssh_ca_keys,
    };
  }

  private async writeAdminIdentity(): Promise<void> {
    const creds = await this.hostCredentials('Admin');
    const text = formatIdentityFile({
      keyPem: creds.keyPem,
      sshCert: creds.ssh,
      tlsCert: creds.tls,
      tlsCAs: creds.tlsCAs,
      knownHosts: creds.sshCAKeys.map((k) => knownHostsLine(this.clusterName, k)),
    });
    await mkdir(this.opts.dataDir, { recursive: true });
    const path = join(this.opts.dataDir, ADMIN_IDENTITY_FILE);
    await writeFile(path, text, { mode: 0o600 });
    await chmod(path, 0o600);
    const bound = this.bound!;
    const host = bound.host === '0.0.0.0' ? '127.0.0.1' : bound.host === '::' ? '::1' : bound.host;
    await writeFile(join(this.opts.dataDir, AUTH_ADDR_FILE), `${host.includes(':') ? `[${host}]` : host}:${bound.port}\n`);
  }
}
