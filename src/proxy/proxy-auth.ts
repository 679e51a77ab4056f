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
import type { MFAAuthenticateChallenge, MFALoginBeginRequest, MFALoginFinishRequest, MFARegisterChallenge } from '../api/mfa-wire.js';
import type { SSOAuthRequestCreate, SSOAuthRequestCreated, SSOCallbackRequest, SSOCallbackResponse, SSOConnectorInfo } from '../api/sso-wire.js';

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
  /** WebAuthn creation options for an invite or reset link's security key. */
  webauthnRegistration(token: string, passwordless?: boolean): Promise<MFARegisterChallenge>;
  /** A security-key login's first step (password checked), or a passwordless challenge. */
  mfaLoginBegin(req: MFALoginBeginRequest, meta?: ProxyRequestMeta): Promise<MFAAuthenticateChallenge>;
  /** Certificates after a security key assertion (`tsh login`). */
  mfaLoginFinish(req: MFALoginFinishRequest, meta?: ProxyRequestMeta): Promise<UserCertsResponse>;
  /** The SSO connectors (GitHub, OIDC, SAML) login pages offer. */
  ssoConnectors(): Promise<SSOConnectorInfo[]>;
  /** Starts an SSO login; returns the IdP's login URL. */
  createSSORequest(kind: string, req: SSOAuthRequestCreate): Promise<SSOAuthRequestCreated>;
  /** Completes an SSO login from the IdP's callback (see SSOCallbackResponse for failures). */
  completeSSO(kind: string, req: SSOCallbackRequest, meta?: ProxyRequestMeta): Promise<SSOCallbackResponse>;
}
