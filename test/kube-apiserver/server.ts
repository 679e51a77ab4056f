/**
 * A Kubernetes API server stand-in for tests (there is none to be had on these machines): HTTPS with
 * client certificates or bearer tokens, discovery, pods/configmaps/namespaces with resourceVersion and
 * watch, exec/attach over websocket (v4/v5.channel.k8s.io) and SPDY/3.1, port-forward, impersonation
 * and simple RBAC, all as the real `kubectl` expects. It is test code: the product never knows it.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { authenticate, DEFAULT_RULES, impersonate, allowed, type Rule, type UserInfo } from './authz.js';
import { serveDiscovery } from './discovery.js';
import { runAttach, runExec } from './exec.js';
import { serveLogs } from './logs.js';
import { serveOpenAPI } from './openapi.js';
import { PodRuntime } from './pods.js';
import { acceptPortForwardSpdy, acceptPortForwardTunnel, PORTFORWARD_TUNNEL_PROTOCOL } from './portforward.js';
import { requestInfo, type RequestInfo } from './request-info.js';
import { serveREST } from './rest.js';
import { badRequest, failure, forbidden, notFound, writeStatus, type Status } from './status.js';
import { ObjectStore, type KubeObject } from './store.js';
import { acceptSpdy, acceptWebsocket, EXEC_WS_PROTOCOLS, offeredProtocols, type StreamOptions } from './streams.js';
import { StandInCA, type CertKey } from './pki.js';
import { kubeconfigYAML, writeKubeconfig, type KubeconfigCredentials } from './kubeconfig.js';

/** Options of `startKubeAPIServer`. */
export interface KubeAPIServerOptions {
  /** Default 0 (any free port) on 127.0.0.1. */
  port?: number;
  /** Bearer token -> user. */
  tokens?: Record<string, { user: string; groups?: string[] }>;
  /** RBAC allow rules; default DEFAULT_RULES (system:masters all, guest reads pods but not configmaps). */
  rules?: Rule[];
  /** Namespaces to create; default default, kube-system, kube-public. */
  namespaces?: string[];
}

/** A pod to add: `command` is its main process (what `kubectl attach` joins and `kubectl logs` shows). */
export interface PodSpec {
  namespace?: string;
  name: string;
  labels?: Record<string, string>;
  containers?: string[];
  command?: string[];
  tty?: boolean;
  /** Pod port -> 127.0.0.1 port for port-forward; unmapped ports are the same port on 127.0.0.1. */
  ports?: Record<number, number>;
}

/** What the server saw of one request (after authentication), for tests to assert on. */
export interface SeenRequest {
  method: string;
  path: string;
  caller: UserInfo;
  user: UserInfo;
  code?: number;
}

/** A running stand-in. */
export interface KubeAPIServer {
  url: string;
  port: number;
  caPem: string;
  ca: StandInCA;
  store: ObjectStore;
  /** RBAC rules in force; tests may push more. */
  rules: Rule[];
  /** Requests seen, oldest first. */
  requests: SeenRequest[];
  /** A client certificate for `user` with `groups` as O (expired when notAfter is past). */
  clientCert(user: string, groups?: string[], notAfter?: Date): Promise<CertKey>;
  addToken(token: string, user: string, groups?: string[]): void;
  addPod(spec: PodSpec): KubeObject;
  /** The runtime of a pod added with addPod (its dir, log). */
  pod(namespace: string, name: string): PodRuntime;
  kubeconfig(credentials: KubeconfigCredentials, o?: { name?: string; namespace?: string }): string;
  writeKubeconfig(path: string, credentials: KubeconfigCredentials, o?: { name?: string; namespace?: string }): Promise<string>;
  close(): Promise<void>;
}

function rawStatus(socket: Duplex, s: Status): void {
  const body = JSON.stringify(s);
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[s.code] ?? 'Error';
  socket.end(`HTTP/1.1 ${s.code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Starts the stand-in on 127.0.0.1. */
export async function startKubeAPIServer(o: KubeAPIServerOptions = {}): Promise<KubeAPIServer> {
  const ca = await StandInCA.create();
  const serving = await ca.issue({ commonName: 'kube-apiserver', server: true, names: ['kubernetes', 'kubernetes.default'] });
  const store = new ObjectStore();
  const rules = [...(o.rules ?? DEFAULT_RULES)];
  const tokens = new Map<string, UserInfo>(Object.entries(o.tokens ?? {}).map(([t, u]) => [t, { user: u.user, groups: [...(u.groups ?? [])] }]));
  const requests: SeenRequest[] = [];
  const root = mkdtempSync(join(tmpdir(), 'kube-standin-'));
  const runtimes = new Map<string, PodRuntime>();
  const ports = new Map<string, Record<number, number>>();
  for (const ns of o.namespaces ?? ['default', 'kube-system', 'kube-public']) {
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  }
  let address = '';

  const podDefaults = (info: RequestInfo, obj: KubeObject): KubeObject => {
    if (info.resource !== 'pods') return obj;
    const spec = (obj.spec ?? {}) as { containers?: { name: string; image?: string }[]; nodeName?: string };
    spec.nodeName ??= 'standin-node';
    obj.spec = spec;
    obj.status = {
      phase: 'Running',
      podIP: '127.0.0.1',
      hostIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: (spec.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? 'standin', ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } } })),
    };
    const key = `${info.namespace ?? ''}/${obj.metadata.name}`;
    if (!runtimes.has(key)) runtimes.set(key, new PodRuntime(join(root, info.namespace ?? '', obj.metadata.name), obj.metadata.name));
    return obj;
  };

  /** Authentication, impersonation and the RBAC check; undefined after answering with a Status. */
  const admit = (req: IncomingMessage, path: string, query: URLSearchParams): { user: UserInfo; info?: RequestInfo; seen: SeenRequest } | Status => {
    const caller = authenticate(req, tokens);
    if (!caller.ok) return caller.status;
    const as = impersonate(req, caller.user, rules);
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? path, caller: caller.user, user: as.ok ? as.user : caller.user };
    requests.push(seen);
    if (!as.ok) {
      seen.code = as.status.code;
      return as.status;
    }
    const info = requestInfo(req.method ?? 'GET', path, query);
    if (info && !allowed(rules, as.user, info)) {
      const s = forbidden({ user: as.user.user, ...info });
      seen.code = 403;
      return s;
    }
    return { user: as.user, info, seen };
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://standin');
    const a = admit(req, url.pathname, url.searchParams);
    if ('kind' in a) return writeStatus(res, a);
    res.on('finish', () => (a.seen.code = res.statusCode));
    if (serveDiscovery(req, res, url.pathname, address) || serveOpenAPI(req, res, url.pathname)) return;
    const info = a.info;
    if (!info) return writeStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
    if (info.resource === 'pods' && info.subresource === 'log') {
      const runtime = runtimes.get(`${info.namespace}/${info.name}`);
      const pod = store.get('pods', info.namespace, info.name!);
      if (!runtime || !pod) return writeStatus(res, notFound('pods', info.name!));
      const names = ((pod.spec as { containers?: { name: string }[] }).containers ?? []).map((c) => c.name);
      const container = url.searchParams.get('container') ?? names[0] ?? '';
      if (!names.includes(container)) return writeStatus(res, badRequest(`container ${container} is not valid for pod ${info.name}`));
      if (url.searchParams.get('previous') === 'true') {
        return writeStatus(res, badRequest(`previous terminated container "${container}" in pod "${info.name}" not found`));
      }
      return serveLogs(res, runtime, url.searchParams);
    }
    if (info.subresource && info.subresource !== 'status') {
      return writeStatus(res, badRequest(`${info.subresource} needs an upgrade to a streaming protocol (websocket or SPDY)`));
    }
    await serveREST(req, res, info, url.searchParams, store, podDefaults);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'https://standin');
    const a = admit(req, url.pathname, url.searchParams);
    if ('kind' in a) return rawStatus(socket, a);
    const info = a.info;
    const sub = info?.subresource;
    if (!info || info.resource !== 'pods' || !sub || !['exec', 'attach', 'portforward'].includes(sub)) {
      return rawStatus(socket, failure(400, 'BadRequest', 'upgrade is only served for pods/exec, pods/attach and pods/portforward'));
    }
    const pod = store.get('pods', info.namespace, info.name!);
    const runtime = runtimes.get(`${info.namespace}/${info.name}`);
    if (!pod || !runtime) return rawStatus(socket, notFound('pods', info.name!));
    const q = url.searchParams;
    const containers = ((pod.spec as { containers?: { name: string }[] }).containers ?? []).map((c) => c.name);
    const container = q.get('container');
    if (container && !containers.includes(container)) return rawStatus(socket, badRequest(`container ${container} is not valid for pod ${info.name}`));
    const ws = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    const spdy = (req.headers.upgrade ?? '').toLowerCase().startsWith('spdy/3.1');
    a.seen.code = 101;
    if (sub === 'portforward') {
      const target = { podName: info.name!, uid: pod.metadata.uid ?? '', ports: ports.get(`${info.namespace}/${info.name}`) ?? {} };
      if (ws && offeredProtocols(req).includes(PORTFORWARD_TUNNEL_PROTOCOL)) return acceptPortForwardTunnel(req, socket, head, target);
      if (spdy) return acceptPortForwardSpdy(socket, head, target);
      a.seen.code = 400;
      return rawStatus(socket, badRequest('unable to upgrade connection: no supported port-forward protocol'));
    }
    const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
    const opts: StreamOptions = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
    if (!opts.stdin && !opts.stdout && !opts.stderr) return rawStatus(socket, badRequest('you must specify at least 1 of stdin, stdout, stderr'));
    const command = q.getAll('command');
    if (sub === 'exec' && command.length === 0) return rawStatus(socket, badRequest('you must specify at least one command for the container'));
    let accepted;
    if (ws && offeredProtocols(req).some((p) => EXEC_WS_PROTOCOLS.includes(p))) accepted = acceptWebsocket(req, socket, head);
    else if (spdy) accepted = acceptSpdy(req, socket, head, opts);
    else {
      a.seen.code = 400;
      return rawStatus(socket, badRequest('unable to upgrade connection: no supported streaming protocol offered'));
    }
    accepted.then(
      (s) => (sub === 'exec' ? runExec(runtime, command, opts, s) : runAttach(runtime, opts, s)),
      () => socket.destroy(),
    );
  };

  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    onRequest(req, res).catch(() => writeStatus(res, failure(500, 'InternalError', 'Internal error occurred')));
  });
  server.on('upgrade', onUpgrade);
  // Upgraded connections leave the server's bookkeeping; close() ends them too.
  const sockets = new Set<Duplex>();
  server.on('secureConnection', (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  address = `127.0.0.1:${port}`;
  const url = `https://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    port,
    caPem: ca.certPem,
    ca,
    store,
    rules,
    requests,
    clientCert: (user, groups = [], notAfter) => ca.issue({ commonName: user, organizations: groups, notAfter }),
    addToken: (token, user, groups = []) => void tokens.set(token, { user, groups }),
    addPod(spec) {
      const namespace = spec.namespace ?? 'default';
      const obj = podDefaults(
        { verb: 'create', resource: 'pods', namespace },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: spec.name, namespace, ...(spec.labels ? { labels: spec.labels } : {}) },
          spec: { containers: (spec.containers ?? ['main']).map((name) => ({ name, image: 'standin', ...(spec.tty ? { tty: true, stdin: true } : {}) })) },
        },
      );
      const created = store.create('pods', obj);
      if (spec.ports) ports.set(`${namespace}/${spec.name}`, spec.ports);
      if (spec.command) runtimes.get(`${namespace}/${spec.name}`)!.startMain(spec.command, spec.tty === true);
      return created;
    },
    pod(namespace, name) {
      const r = runtimes.get(`${namespace}/${name}`);
      if (!r) throw new Error(`no pod ${namespace}/${name}`);
      return r;
    },
    kubeconfig: (credentials, ko = {}) => kubeconfigYAML({ server: url, caPem: ca.certPem, credentials, ...ko }),
    writeKubeconfig: (path, credentials, ko = {}) => writeKubeconfig(path, { server: url, caPem: ca.certPem, credentials, ...ko }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const r of runtimes.values()) r.close();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }).finally(() => rmSync(root, { recursive: true, force: true }));
      return closed;
    },
  };
}
