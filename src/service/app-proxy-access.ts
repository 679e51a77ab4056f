/**
 * What the proxy's application access reads of the cluster (src/proxy/app AppProxyAccess): app
 * sessions, the user CA and the `jwt` CA's public keys, from the auth service of this process or
 * over the auth API with the proxy's identity.
 */
import type { AuthClient } from '../api/client/index.js';
import type { CertAuthority } from '../api/types/index.js';
import type { AuthService } from '../auth/index.js';
import type { AppProxyAccess } from '../proxy/app/index.js';
import type { Services } from '../services/index.js';

/** The PEM public keys of a `jwt` CA resource (stored base64, as Go's []byte). */
export function jwtPublicKeyPems(ca: CertAuthority): string[] {
  const sets = [ca.spec.active_keys, ca.spec.additional_trusted_keys];
  return sets.flatMap((s) => s?.jwt ?? []).map((k) => Buffer.from(k.public_key, 'base64').toString('utf8'));
}

/** In-process: the auth service and backend of this process. */
export function localAppProxyAccess(auth: AuthService, services: Services, clusterName: string, userTLSCAs: () => Promise<string[]>): AppProxyAccess {
  return {
    appSession: (id) => auth.appSessions.read(id),
    userTLSCAs,
    jwtPublicKeys: async () => jwtPublicKeyPems(await services.authorities('jwt').get(clusterName)),
  };
}

/** Over the auth API with the proxy's identity (app_session read, cert_authority read_no_secrets). */
export function remoteAppProxyAccess(client: AuthClient, clusterName: string, userTLSCAs: () => Promise<string[]>): AppProxyAccess {
  return {
    appSession: (id) => client.getAppSession(id),
    userTLSCAs,
    jwtPublicKeys: async () => jwtPublicKeyPems(await client.getResource<CertAuthority>('cert_authority', `jwt/${clusterName}`)),
  };
}
