/**
 * Discovery as the API server answers it: /version, the legacy /api, /api/v1 and /apis documents,
 * and aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) when the Accept header asks
 * for it, which kubectl 1.30+ does first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESOURCES, type Resource } from './store.js';
import { writeJSON } from './status.js';

/** The version the stand-in claims (kubectl warns past one minor of skew, so it matches kubectl 1.32). */
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUBRESOURCES: Partial<Record<Resource, { name: string; kind: string; verbs: string[] }[]>> = {
  pods: [
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
  namespaces: [{ name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] }],
};

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function legacyResourceList(): unknown {
  const resources: unknown[] = [];
  for (const [name, r] of Object.entries(RESOURCES) as [Resource, (typeof RESOURCES)[Resource]][]) {
    resources.push({ name, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: VERBS, shortNames: r.shortNames, ...(name === 'pods' ? { categories: ['all'] } : {}) });
    for (const s of SUBRESOURCES[name] ?? []) {
      resources.push({ name: `${name}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs });
    }
  }
  return { kind: 'APIResourceList', groupVersion: 'v1', resources };
}

function aggregatedCore(): unknown {
  const resources = (Object.entries(RESOURCES) as [Resource, (typeof RESOURCES)[Resource]][]).map(([name, r]) => ({
    resource: name,
    responseKind: { group: '', version: 'v1', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: VERBS,
    shortNames: r.shortNames,
    ...(name === 'pods' ? { categories: ['all'] } : {}),
    ...(SUBRESOURCES[name]
      ? { subresources: SUBRESOURCES[name].map((s) => ({ subresource: s.name, responseKind: { group: '', version: 'v1', kind: s.kind }, verbs: s.verbs })) }
      : {}),
  }));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: [{ metadata: { creationTimestamp: null }, versions: [{ version: 'v1', resources, freshness: 'Current' }] }],
  };
}

/** Whether the Accept header asks for aggregated discovery v2 (kubectl lists it first, then plain JSON). */
function wantsAggregated(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((a) => a.replace(/\s/g, '').toLowerCase() === AGGREGATED.toLowerCase());
}

/** Answers a discovery path and returns true, or returns false for any other path. */
export function serveDiscovery(req: IncomingMessage, res: ServerResponse, path: string, serverAddress: string): boolean {
  switch (path) {
    case '/version':
      writeJSON(res, VERSION);
      return true;
    case '/api':
      if (wantsAggregated(req)) writeJSON(res, aggregatedCore(), 200, AGGREGATED);
      else writeJSON(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] });
      return true;
    case '/api/v1':
      writeJSON(res, legacyResourceList());
      return true;
    case '/apis':
      if (wantsAggregated(req)) writeJSON(res, { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: [] }, 200, AGGREGATED);
      else writeJSON(res, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      return true;
    default:
      return false;
  }
}
