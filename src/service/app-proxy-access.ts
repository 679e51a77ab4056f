/**
 * What the proxy's application access reads of the cluster (src/proxy/app AppProxyAccess): app
 * sessions, the user CA and the `jwt` CA's public keys, from the auth service of this process or
 * over the auth API with the proxy's identity; and the apps and app sessions as a watch of the
 * cluster's events keeps them (Teleport's proxy cache), so a new app or an ended session acts at once.
 */
import { appSessionResource, type AppSessionResource, type AppSessionWire } from '../api/app-wire.js';
import type { AuthClient } from '../api/client/index.js';
import type { AgentServer, CertAuthority } from '../api/types/index.js';
import type { WatchEvent, WatchedResource } from '../api/watch-wire.js';
import type { AuthService } from '../auth/index.js';
import type { Logger } from '../log/index.js';
import type { AppProxyAccess, AppWatch } from '../proxy/app/index.js';
import { decodeItem, prefixesOfKind, refOfKey, type Services } from '../services/index.js';
import { ResourceCache, type ResourceCacheOptions } from './resource-cache.js';

/** The PEM public keys of a `jwt` CA resource (stored base64, as Go's []byte). */
export function jwtPublicKeyPems(ca: CertAuthority): string[] {
  const sets = [ca.spec.active_keys, ca.spec.additional_trusted_keys];
  return sets.flatMap((s) => s?.jwt ?? []).map((k) => Buffer.from(k.public_key, 'base64').toString('utf8'));
}

/** In-process: the auth service and backend of this process (the watch is the backend's). */
export function localAppProxyAccess(auth: AuthService, services: Services, clusterName: string, userTLSCAs: () => Promise<string[]>, logger: Logger): AppProxyAccess {
  return {
    appSession: (id) => auth.appSessions.read(id),
    userTLSCAs,
    jwtPublicKeys: async () => jwtPublicKeyPems(await services.authorities('jwt').get(clusterName)),
    watched: appWatch({
      watch: (kinds, o) => backendWatchEvents(services, kinds, o.signal),
      servers: () => services.agentServers('app_server').list(),
      sessions: () => auth.appSessions.listAll(),
      logger,
    }),
  };
}

/** Over the auth API with the proxy's identity (app_session list/read, cert_authority read_no_secrets, the watch). */
export function remoteAppProxyAccess(client: AuthClient, clusterName: string, userTLSCAs: () => Promise<string[]>, logger: Logger): AppProxyAccess {
  return {
    appSession: (id) => client.getAppSession(id),
    userTLSCAs,
    jwtPublicKeys: async () => jwtPublicKeyPems(await client.getResource<CertAuthority>('cert_authority', `jwt/${clusterName}`)),
    watched: appWatch({
      watch: (kinds, o) => client.watchEvents(kinds, o),
      servers: () => client.listAgentServers<AgentServer>('app_server'),
      sessions: () => client.listAppSessions(),
      logger,
    }),
  };
}

/**
 * The apps (app_server heartbeats) and app sessions kept by a watch (resource-cache.ts): read in
 * full when the watch begins, then changed by its events. While the watch is broken `live()` is
 * false and the proxy reads past it; the cache reconnects with backoff.
 */
export function appWatch(o: { watch: ResourceCacheOptions['watch']; servers(): Promise<AgentServer[]>; sessions(): Promise<AppSessionWire[]>; logger: Logger }): AppWatch {
  const cache = new ResourceCache({
    kinds: ['app_server', 'app_session'],
    watch: o.watch,
    load: async (kind) => (kind === 'app_server' ? ((await o.servers()) as unknown as WatchedResource[]) : (await o.sessions()).map((s) => appSessionResource(s) as unknown as WatchedResource)),
    logger: o.logger.child({ component: 'proxy:app:cache' }),
  });
  cache.start();
  let servers: { version: number; list: AgentServer[] } | undefined;
  return {
    live: () => cache.live,
    version: () => cache.version,
    appServers: () => {
      if (servers?.version !== cache.version) servers = { version: cache.version, list: (cache.list('app_server') ?? []) as unknown as AgentServer[] };
      return servers.list;
    },
    session: (id) => (cache.get('app_session', id) as unknown as AppSessionResource | undefined)?.spec,
    close: () => cache.close(),
  };
}

/**
 * The backend's changes under `kinds` as watch events (the proxy in the auth server's process):
 * what the auth API's watch sends a host, without the HTTP in between.
 */
export async function* backendWatchEvents(services: Services, kinds: readonly string[], signal: AbortSignal): AsyncGenerator<WatchEvent> {
  const watcher = services.backend.watch({ prefixes: kinds.flatMap((k) => prefixesOfKind(k) ?? []), signal });
  try {
    for await (const ev of watcher) {
      if (ev.type === 'init') {
        yield { type: 'init' };
        continue;
      }
      const ref = refOfKey(ev.type === 'put' ? ev.item.key : ev.key);
      if (!ref || !kinds.includes(ref.kind)) continue;
      if (ev.type === 'delete') {
        yield { type: 'delete', resource: { kind: ref.kind, ...(ref.subKind !== undefined && { sub_kind: ref.subKind }), metadata: { name: ref.name } } };
        continue;
      }
      let resource: WatchedResource;
      try {
        resource = decodeItem(ev.item) as WatchedResource;
      } catch {
        // A value no reader could use is skipped, as the auth API's watch does.
        continue;
      }
      yield { type: 'put', resource };
    }
    if (watcher.error) throw watcher.error;
  } finally {
    watcher.close();
  }
}
