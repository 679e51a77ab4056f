/**
 * A real cluster for tests: a teleport process started in-process from a teleport.yaml in a temp
 * directory, every listener on 127.0.0.1 port 0, state in SQLite under the temp data dir.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthClient, type ClientCredentials } from '../../src/api/client/index.js';
import { parseIdentityFile } from '../../src/api/identity-file.js';
import { ADMIN_IDENTITY_FILE, type JoinMethodOptions } from '../../src/auth/index.js';
import { loadConfigFile } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { TeleportProcess } from '../../src/service/index.js';

/** A running test cluster. */
export interface TestCluster {
  dir: string;
  dataDir: string;
  configPath: string;
  clusterName: string;
  authAddr: string;
  webAddr: string;
  /** The proxy's SSH listener (3023 in production). */
  proxySSHAddr: string;
  /** The in-process node's SSH address, when `ssh` was enabled. */
  nodeAddr?: string;
  process: TeleportProcess;
  /** The local admin identity's credentials. */
  adminCredentials(): Promise<ClientCredentials>;
  /** A client with the local admin identity. */
  admin(): Promise<AuthClient>;
  close(): Promise<void>;
}

/** Options: extra YAML appended under `auth_service:` and the cluster name. */
export interface TestClusterOptions {
  clusterName?: string;
  authExtra?: string;
  /** Run an SSH node in the same process; the value is extra YAML under `ssh_service:`. */
  ssh?: string;
  /** The process's nodename (default test-auth). */
  nodename?: string;
  /** Extra YAML under `teleport:`. */
  teleportExtra?: string;
  /** Whole top-level sections appended to the file (`db_service:` ...). */
  extraSections?: string;
  /** Extra YAML under `proxy_service:`. */
  proxyExtra?: string;
  /** How auth checks the secretless join methods (stand-ins for AWS and Kubernetes). */
  joinMethods?: JoinMethodOptions;
}

/** Starts auth + proxy on 127.0.0.1:0 with a fresh data dir. */
export async function startCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tp-cluster-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'teleport.yaml');
  const clusterName = opts.clusterName ?? 'test.example.com';
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      `  nodename: ${opts.nodename ?? 'test-auth'}`,
      `  data_dir: ${dataDir}`,
      '  log: {output: stderr, severity: ERROR}',
      ...(opts.teleportExtra ? opts.teleportExtra.split('\n').map((l) => '  ' + l) : []),
      'auth_service:',
      '  enabled: yes',
      `  cluster_name: ${clusterName}`,
      '  listen_addr: 127.0.0.1:0',
      ...(opts.authExtra ? opts.authExtra.split('\n').map((l) => '  ' + l) : []),
      'proxy_service:',
      '  enabled: yes',
      '  web_listen_addr: 127.0.0.1:0',
      '  listen_addr: 127.0.0.1:0',
      '  tunnel_listen_addr: 127.0.0.1:0',
      ...(opts.proxyExtra ? opts.proxyExtra.split('\n').map((l) => '  ' + l) : []),
      'ssh_service:',
      ...(opts.ssh !== undefined
        ? ['  enabled: yes', '  listen_addr: 127.0.0.1:0', ...opts.ssh.split('\n').filter((l) => l !== '').map((l) => '  ' + l)]
        : ['  enabled: no']),
      ...(opts.extraSections ? [opts.extraSections] : []),
      '',
    ].join('\n'),
  );
  const config = await loadConfigFile(configPath);
  const process = new TeleportProcess({ config, logger: silentLogger, ...(opts.joinMethods && { joinMethods: opts.joinMethods }) });
  const addrs = await process.start();
  const authAddr = `127.0.0.1:${addrs.auth!.port}`;
  const adminCredentials = async (): Promise<ClientCredentials> => {
    const id = parseIdentityFile(await readFile(join(dataDir, ADMIN_IDENTITY_FILE), 'utf8'));
    return { keyPem: id.keyPem, certPem: id.tlsCert!, caPems: id.tlsCAs };
  };
  return {
    dir,
    dataDir,
    configPath,
    clusterName,
    authAddr,
    webAddr: `127.0.0.1:${addrs.proxyWeb!.port}`,
    proxySSHAddr: `127.0.0.1:${addrs.proxySSH!.port}`,
    ...(addrs.nodeSSH && { nodeAddr: `127.0.0.1:${addrs.nodeSSH.port}` }),
    process,
    adminCredentials,
    async admin() {
      return new AuthClient({ addr: authAddr, clusterName, credentials: await adminCredentials() });
    },
    async close() {
      await process.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A node process that joined a cluster. */
export interface TestNode {
  dataDir: string;
  configPath: string;
  addr: string;
  process: TeleportProcess;
  close(): Promise<void>;
}

/** Options of a joining node: its nodename, extra YAML under `ssh_service:`, the token (default: a fresh one). */
export interface TestNodeOptions {
  nodename: string;
  ssh?: string;
  /** The join token; default a fresh one, '' for none. */
  token?: string;
  /** The CA pin to check the auth server against (default the cluster's). */
  caPin?: string;
  /** Reuse this data dir (a restart); the token is then not needed. */
  dataDir?: string;
  /** Join through the proxy (`proxy_server`) and serve through reverse tunnels, with no listener (`addr` is then ''). */
  viaProxy?: boolean;
}

/** Starts a second teleport process with only ssh_service, joining `cluster` with a token and its CA pin. */
export async function startNode(cluster: TestCluster, opts: TestNodeOptions): Promise<TestNode> {
  const admin = await cluster.admin();
  const token = opts.token ?? (opts.dataDir ? undefined : (await admin.generateToken({ roles: ['node'] })).token);
  const pin = opts.caPin ?? (await admin.status()).cas.find((c) => c.type === 'host')!.pins[0];
  const dir = await mkdtemp(join(tmpdir(), 'tp-node-'));
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const configPath = join(dir, 'teleport.yaml');
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      `  nodename: ${opts.nodename}`,
      `  data_dir: ${dataDir}`,
      ...(token ? [`  auth_token: ${token}`] : []),
      `  ca_pin: ${pin}`,
      opts.viaProxy ? `  proxy_server: ${cluster.webAddr}` : `  auth_server: ${cluster.authAddr}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      'ssh_service:',
      '  enabled: yes',
      ...(opts.viaProxy ? [] : ['  listen_addr: 127.0.0.1:0']),
      ...(opts.ssh ?? '').split('\n').filter((l) => l !== '').map((l) => '  ' + l),
      '',
    ].join('\n'),
  );
  const config = await loadConfigFile(configPath);
  const process = new TeleportProcess({ config, logger: silentLogger });
  const addrs = await process.start().catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    dataDir,
    configPath,
    addr: addrs.nodeSSH ? `127.0.0.1:${addrs.nodeSSH.port}` : '',
    process,
    async close() {
      await process.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A proxy-only process that joined a cluster. */
export interface TestProxy {
  /** `host:port` of its web listener. */
  webAddr: string;
  process: TeleportProcess;
  close(): Promise<void>;
}

/** Starts a process running only the proxy service, joining `cluster` as Proxy with a fresh token and the cluster's CA pin. */
export async function startProxy(cluster: TestCluster, opts: { nodename: string }): Promise<TestProxy> {
  const admin = await cluster.admin();
  const token = (await admin.generateToken({ roles: ['proxy'] })).token;
  const pin = (await admin.status()).cas.find((c) => c.type === 'host')!.pins[0];
  const dir = await mkdtemp(join(tmpdir(), 'tp-proxy-'));
  const configPath = join(dir, 'teleport.yaml');
  await writeFile(
    configPath,
    [
      'version: v3',
      'teleport:',
      `  nodename: ${opts.nodename}`,
      `  data_dir: ${join(dir, 'data')}`,
      `  auth_token: ${token}`,
      `  ca_pin: ${pin}`,
      `  auth_server: ${cluster.authAddr}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {enabled: no}',
      'ssh_service: {enabled: no}',
      'proxy_service:',
      '  enabled: yes',
      '  web_listen_addr: 127.0.0.1:0',
      '  listen_addr: 127.0.0.1:0',
      '  tunnel_listen_addr: 127.0.0.1:0',
      '',
    ].join('\n'),
  );
  const process = new TeleportProcess({ config: await loadConfigFile(configPath), logger: silentLogger });
  const addrs = await process.start().catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    webAddr: `127.0.0.1:${addrs.proxyWeb!.port}`,
    process,
    async close() {
      await process.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
