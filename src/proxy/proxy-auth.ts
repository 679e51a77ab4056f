/**
 * What the proxy's web API needs from the auth server, as one narrow interface. The in-process
 * `AuthService` satisfies it directly; a proxy-only process implements it over the auth API with its
 * host identity (src/service/remote-proxy-auth.ts). Methods throw the auth server's typed errors, or
 * ConnectionProblemError when no auth server can be reached.
 */
import type {
  CompleteUserTokenRequest,
  HostCertsResponse,
  PingResponse,
  RegisterRequest,
  SSHLoginRequest,
  TOTPRegistration,
  UserCertsResponse,
  UserTokenInfo,
} from '../api/auth-wire.js';
import type { AuthPreference } from '../api/types/index.js';

/** Who a request came from, for the audit events auth records. */
export interface ProxyRequestMeta {
  remoteAddr?: string;
}

/** The auth calls behind ping/find, `tsh login` (/webapi/ssh/certs), invite links and host joins. */
export interface ProxyAuth {
  readonly clusterName: string;
  authPreference(): Promise<AuthPreference>;
  /** Cluster name and the host CA's TLS certificates (CA pin checks of hosts joining through the proxy). */
  ping(): Promise<PingResponse>;
  loginSSH(req: SSHLoginRequest, meta?: ProxyRequestMeta): Promise<UserCertsResponse>;
  register(req: RegisterRequest, meta?: ProxyRequestMeta): Promise<HostCertsResponse>;
  userTokenInfo(token: string): Promise<UserTokenInfo>;
  totpRegistration(token: string): Promise<TOTPRegistration>;
  completeUserToken(req: CompleteUserTokenRequest): Promise<{ user: string }>;
}
