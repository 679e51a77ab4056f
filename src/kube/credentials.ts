/**
 * How the Kubernetes agent reaches each API server it serves, and as whom: read from a kubeconfig
 * (every context is one cluster, named after the context; its cluster's server and CA, its user's
 * client certificate or bearer token) or from the pod's in-cluster service account
 * (`KUBERNETES_SERVICE_HOST`/`_PORT` and the token and CA under
 * /var/run/secrets/kubernetes.io/serviceaccount), as Teleport's kubernetes_service does. Exec and
 * auth-provider users are refused with their context named: this release runs no plugins.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BadParameterError } from '../api/errors.js';

/** The in-cluster service account directory. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** One API server and the agent's credentials for it. */
export interface KubeCredentials {
  /** `https://host:port` plus an optional path prefix (no trailing slash). */
  server: URL;
  /** CA certificates (PEM) the API server's certificate must chain to; none: the system's. */
  caPems?: string[];
  insecureSkipVerify?: boolean;
  /** SNI and the name checked, when not the server's host (`tls-server-name`). */
  serverName?: string;
  certPem?: string;
  keyPem?: string;
  /** The bearer token now (a token file is read again at each call: projected tokens rotate). */
  token?: () => Promise<string>;
}

/** A cluster the agent serves. */
export interface KubeClusterSource {
  name: string;
  credentials: KubeCredentials;
}

type Named<T> = { name?: unknown } & T;
type KubeconfigDoc = {
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: Record<string, unknown> }>[];
};

/** Reads files; injected by tests. */
export type ReadText = (path: string) => Promise<string>;
const readText: ReadText = (p) => readFile(p, 'utf8');

/**
 * The clusters of the kubeconfig at `path`, one per context (in file order), named after the
 * context. Throws BadParameterError naming the file and the context that cannot be used.
 */
export async function clustersFromKubeconfig(path: string, read: ReadText = readText): Promise<KubeClusterSource[]> {
  let text: string;
  try {
    text = await read(path);
  } catch (err) {
    throw new BadParameterError(`kubeconfig_file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  let doc: KubeconfigDoc;
  try {
    doc = (parseYaml(text) ?? {}) as KubeconfigDoc;
  } catch (err) {
    throw new BadParameterError(`kubeconfig_file ${path}: not YAML: ${(err as Error).message}`, { cause: err });
  }
  const byName = <T>(list: Named<T>[] | undefined, name: unknown): Named<T> | undefined => (list ?? []).find((x) => x?.name === name);
  const base = dirname(path);
  const file = async (p: unknown): Promise<string> => read(isAbsolute(String(p)) ? String(p) : join(base, String(p)));
  const out: KubeClusterSource[] = [];
  for (const ctx of doc.contexts ?? []) {
    const name = typeof ctx?.name === 'string' ? ctx.name : '';
    const where = `kubeconfig_file ${path}: context "${name}"`;
    if (!name) throw new BadParameterError(`kubeconfig_file ${path}: a context has no name`);
    const c = ctx.context ?? {};
    const cluster = byName(doc.clusters, c.cluster)?.cluster;
    if (!cluster) throw new BadParameterError(`${where} names cluster "${String(c.cluster)}", which the file does not list`);
    const user = c.user === undefined ? {} : byName(doc.users, c.user)?.user;
    if (!user) throw new BadParameterError(`${where} names user "${String(c.user)}", which the file does not list`);
    if (user.exec || user['auth-provider']) throw new BadParameterError(`${where}: exec and auth-provider credentials are not supported; give a client certificate or a token`);
    let server: URL;
    try {
      server = new URL(String(cluster.server ?? ''));
    } catch {
      throw new BadParameterError(`${where}: cluster server ${JSON.stringify(cluster.server)} is not a URL`);
    }
    if (server.protocol !== 'https:') throw new BadParameterError(`${where}: cluster server ${server.href} is not https`);
    const credentials: KubeCredentials = { server };
    if (typeof cluster['certificate-authority-data'] === 'string') credentials.caPems = [b64(cluster['certificate-authority-data'])];
    else if (cluster['certificate-authority'] !== undefined) credentials.caPems = [await file(cluster['certificate-authority'])];
    if (cluster['insecure-skip-tls-verify'] === true) credentials.insecureSkipVerify = true;
    if (typeof cluster['tls-server-name'] === 'string') credentials.serverName = cluster['tls-server-name'];
    if (typeof user['client-certificate-data'] === 'string') credentials.certPem = b64(user['client-certificate-data']);
    else if (user['client-certificate'] !== undefined) credentials.certPem = await file(user['client-certificate']);
    if (typeof user['client-key-data'] === 'string') credentials.keyPem = b64(user['client-key-data']);
    else if (user['client-key'] !== undefined) credentials.keyPem = await file(user['client-key']);
    if (Boolean(credentials.certPem) !== Boolean(credentials.keyPem)) throw new BadParameterError(`${where}: a client certificate needs its key (and the key its certificate)`);
    if (typeof user.token === 'string') {
      const token = user.token;
      credentials.token = () => Promise.resolve(token);
    } else if (user.tokenFile !== undefined) {
      const tokenFile = user.tokenFile;
      credentials.token = async () => (await file(tokenFile)).trim();
    }
    if (!credentials.certPem && !credentials.token) throw new BadParameterError(`${where}: the user has no client certificate or token`);
    out.push({ name, credentials });
  }
  if (out.length === 0) throw new BadParameterError(`kubeconfig_file ${path} has no contexts`);
  return out;
}

/**
 * The cluster of the pod's service account, named `name`. Throws BadParameterError when the
 * process does not run in a Kubernetes pod (no KUBERNETES_SERVICE_HOST, or no token).
 */
export async function inClusterCredentials(name: string, o: { env?: NodeJS.ProcessEnv; dir?: string; read?: ReadText } = {}): Promise<KubeClusterSource> {
  const env = o.env ?? process.env;
  const dir = o.dir ?? SERVICE_ACCOUNT_DIR;
  const read = o.read ?? readText;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new BadParameterError(`kubernetes_service: kube_cluster_name "${name}" without kubeconfig_file needs the in-cluster service account, and KUBERNETES_SERVICE_HOST is not set (not in a pod?); give kubeconfig_file instead`);
  const tokenPath = join(dir, 'token');
  let ca: string;
  try {
    await read(tokenPath);
    ca = await read(join(dir, 'ca.crt'));
  } catch (err) {
    throw new BadParameterError(`kubernetes_service: cannot read the service account under ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const h = host.includes(':') ? `[${host}]` : host;
  return { name, credentials: { server: new URL(`https://${h}:${port}`), caPems: [ca], token: async () => (await read(tokenPath)).trim() } };
}

function b64(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}
