/**
 * The web UI on the auth service of the same process (auth and proxy in one `teleport start`):
 * WebUIAuth by direct calls, each checked by the auth service's RBAC as the session's user.
 */
import { NotImplementedError } from '../api/errors.js';
import { authorizeOwnMFA, searchEvents, type AuthService, type Caller } from '../auth/index.js';
import type { WebUIAuth, WebUserAPI } from '../proxy/index.js';
import { parseAuthorizedKey } from '../sshca/index.js';
import { networkingSettings } from '../api/types/index.js';

/** The web UI on the auth service of this process. */
export function localWebUIAuth(auth: AuthService): WebUIAuth {
  const ws = auth.webSessions;
  return {
    clusterName: auth.clusterName,
    sessions: {
      login: (req) => ws.login(req),
      loginWebAuthn: async (req) => ws.createFor((await auth.authenticateWebAuthn(req.user, req.webauthn_response, { ...(req.remoteAddr && { remoteAddr: req.remoteAddr }) })).metadata.name),
      get: (user, id) => ws.get(user, id),
      checkBearer: (s, token) => ws.checkBearer(s, token),
      renew: (prev) => ws.renew(prev),
      delete: (id) => ws.delete(id),
    },
    userAPI: async (s) => localUserAPI(auth, await ws.caller(s)),
    completeUserToken: (req) => auth.completeUserToken(req),
    completeUserTokenLogin: async (req) => {
      const done = await auth.completeUserToken(req);
      return { user: done.user, session: await ws.createFor(done.user) };
    },
    hostCATLSCerts: async () => (await auth.ping()).host_ca_certs,
    joinTokenRoles: (token) => auth.joinTokenRoles(token),
    hostCAKeys: async () => (await auth.trustBundle()).ssh_ca_keys.map((k) => parseAuthorizedKey(k).blob),
    webIdleTimeoutMs: async () => networkingSettings(await auth.networkingConfig()).webIdleTimeoutMs,
  };
}

function localUserAPI(auth: AuthService, caller: Caller): WebUserAPI {
  const recordings = (): NonNullable<AuthService['recordings']> => {
    if (!auth.recordings) throw new NotImplementedError('session recordings are not configured on this cluster');
    return auth.recordings;
  };
  return {
    caller,
    listNodes: () => auth.listNodes(caller),
    listDatabaseServers: () => auth.listAgentServers(caller, 'db_server'),
    listAppServers: () => auth.listAgentServers(caller, 'app_server'),
    listKubeServers: () => auth.listAgentServers(caller, 'kube_server'),
    createAppSession: (req) => auth.appSessions.create(caller, req),
    listResources: (kind) => auth.resources.list(caller, kind),
    getResource: (kind, name) => auth.resources.get(caller, kind, name),
    saveResource: (doc, overwrite) => auth.resources.create(caller, doc, overwrite),
    deleteResource: (kind, name) => auth.resources.delete(caller, kind, name),
    createUserToken: (user, req) => auth.createUserToken(caller, user, req),
    listTokens: () => auth.listTokens(caller),
    generateToken: (req) => auth.generateToken(caller, req),
    deleteToken: (token) => auth.deleteToken(caller, token),
    listSessionTrackers: () => auth.sessionTrackers.list(caller),
    searchEvents: (query) => searchEvents(auth, caller, query),
    listRecordings: (q) => recordings().list(caller, q),
    recordingStream: (sid) => recordings().stream(caller, sid),
    listMFADevices: () => auth.mfa.list(authorizeOwnMFA(caller)),
    mfaRegisterChallenge: (req) => auth.mfa.registerChallenge(authorizeOwnMFA(caller), req),
    addMFADevice: (req) => auth.mfa.addDevice(authorizeOwnMFA(caller), req),
    removeMFADevice: (name) => auth.mfa.removeDevice(authorizeOwnMFA(caller), name),
    mfaChallenge: () => auth.mfa.authenticateChallenge(authorizeOwnMFA(caller), 'session'),
    sessionMFARequired: async () => (await auth.sessionMFARequired(caller)).required,
    sessionMFACerts: (req) => auth.sessionMFACerts(caller, req),
  };
}
