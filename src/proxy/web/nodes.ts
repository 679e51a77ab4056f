/**
 * Cluster-scoped read endpoints of the web UI: `GET /webapi/sites`, `/webapi/sites/:site/context`
 * (who is logged in, what the UI may offer) and a node as the UI shows it (listed by
 * resources.ts), in Teleport's JSON shapes.
 */
import { NotFoundError } from '../../api/errors.js';
import { nodeLabels, type Node } from '../../api/types/index.js';
import { VERSION } from '../../api/version.js';
import type { UserContext, WebAccess, WebCluster, WebNode } from '../../api/web-wire.js';
import type { Caller } from '../../auth/index.js';
import { ruleContext } from '../../rbac/index.js';
import { identityFromCertificate } from '../../tlsca/index.js';
import type { WebContext } from './auth.js';
import type { WebUIAuth } from './ui-auth.js';

/** Teleport's alias for "the cluster this proxy serves". */
const CURRENT_SITE = '-current-';

/** Throws NotFoundError unless `site` names this cluster (or `-current-`). */
export function checkSite(auth: Pick<WebUIAuth, 'clusterName'>, site: string): void {
  if (site !== auth.clusterName && site !== CURRENT_SITE) throw new NotFoundError(`cluster "${site}" is not found`);
}

/** This cluster as `GET /webapi/sites` lists it. */
export function webCluster(auth: Pick<WebUIAuth, 'clusterName'>, publicAddr: string): WebCluster {
  return {
    name: auth.clusterName,
    lastConnected: new Date().toISOString(),
    status: 'online',
    publicURL: publicAddr,
    authVersion: VERSION,
    proxyVersion: VERSION,
  };
}

function access(caller: Caller, kind: string): WebAccess {
  // Session rules usually depend on the session's participants: ask about one the user took part in.
  const ctx = kind === 'session' ? { ...ruleContext(caller), session: { participants: [caller.username] } } : ruleContext(caller);
  const can = (verb: string) => caller.checker.hasAccessToRule(ctx, kind, verb);
  return { list: can('list'), read: can('read'), edit: can('update'), create: can('create'), remove: can('delete') };
}

/** `GET /webapi/sites/:site/context`. */
export function userContext(auth: Pick<WebUIAuth, 'clusterName'>, ctx: WebContext, publicAddr: string): UserContext {
  const { caller, session } = ctx;
  const id = identityFromCertificate(session.tls_cert);
  return {
    authType: 'local',
    userName: caller.username,
    roles: caller.roles,
    logins: id.principals ?? [],
    sessionExpires: session.expires,
    cluster: webCluster(auth, publicAddr),
    userAcl: {
      users: access(caller, 'user'),
      roles: access(caller, 'role'),
      tokens: access(caller, 'token'),
      nodes: access(caller, 'node'),
      events: access(caller, 'event'),
      recordedSessions: access(caller, 'session'),
    },
  };
}

/** A node as the UI lists it, with the logins `caller` may use on it. */
export function webNode(node: Node, caller: Caller, clusterName: string): WebNode {
  const labels = nodeLabels(node);
  return {
    kind: 'node',
    id: node.metadata.name,
    siteId: clusterName,
    hostname: node.spec.hostname,
    addr: node.spec.use_tunnel ? '' : (node.spec.addr ?? ''),
    tunnel: Boolean(node.spec.use_tunnel),
    subKind: 'teleport',
    tags: Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value })),
    sshLogins: caller.checker.logins().filter((login) => caller.checker.canAccessNode({ labels }, login)),
  };
}
