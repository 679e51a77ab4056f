/**
 * A real cluster for tests: a teleport process started in-process from a teleport.yaml in a temp
 * directory, every listener on 127.0.0.1 port 0, state in SQLite under the temp data dir.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthClient, type ClientCredentials } from '../../src/api/client/index.js';
import { parseIdentityFile } from '../../src/api/identity-file.js';
import { ADMIN_IDENTITY_FILE } from '../../src/auth/index.js';
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
      '  nodename: test-auth',
      `  data_dir: ${dataDir}`,
      '  log: {output: stderr, severity: ERROR}',
      'auth_service:',
      '  enabled: yes',
      `  cluster_name: ${clusterName}`,
      '  listen_addr: 127.0.0.1:0',
      ...(opts.authExtra ? opts.authExtra.split('\n').map((l) => '  ' + l) : []),
      'proxy_service:',
      '  enabled: yes',
      '  web_listen_addr: 127.0.0.1:0',
      'ssh_service:',
      '  enabled: no',
      '',
    ].join('\n'),
  );
  const config = await loadConfigFile(configPath);
  const process = new TeleportProcess({ config, logger: silentLogger });
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
