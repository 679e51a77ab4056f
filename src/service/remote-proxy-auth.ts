/**
 * The proxy's `ProxyAuth` over the auth API, for a proxy without an auth server in its process: the
 * calls go through an AuthClient holding the proxy's host identity (which fails over between the
 * configured auth servers); the auth preference and ping answer are cached briefly, since every
 * `tsh` command pings the proxy.
 */
import { MFAClient, type AuthClient } from '../api/client/index.js';
import type { MFAAuthenticateChallenge, MFALoginBeginRequest, MFALoginFinishRequest, MFARegisterChallenge } from '../api/mfa-wire.js';
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
import type { Clock } from '../api/clock.js';
import type { AuthPreference } from '../api/types/index.js';
import type { SSOAuthRequestCreate, SSOAuthRequestCreated, SSOCallbackRequest, SSOCallbackResponse, SSOConnectorInfo } from '../api/sso-wire.js';
import type { ProxyAuth } from '../proxy/proxy-auth.js';

/** How long the auth preference and ping answer are reused. */
const SETTINGS_TTL_MS = 10_000;

/** ProxyAuth over the auth API. Errors are the auth server's, or ConnectionProblemError when none answers. */
export class RemoteProxyAuth implements ProxyAuth {
  private cap?: { at: number; value: AuthPreference };
  private pingCache?: { at: number; value: PingResponse };

  constructor(
    private readonly client: AuthClient,
    readonly clusterName: string,
    private readonly clock: Clock,
  ) {}

  async authPreference(): Promise<AuthPreference> {
    const now = this.clock.now();
    if (this.cap && now - this.cap.at < SETTINGS_TTL_MS) return this.cap.value;
    const value = await this.client.getResource<AuthPreference>('cluster_auth_preference', 'cluster-auth-preference');
    this.cap = { at: now, value };
    return value;
  }

  async ping(): Promise<PingResponse> {
    const now = this.clock.now();
    if (this.pingCache && now - this.pingCache.at < SETTINGS_TTL_MS) return this.pingCache.value;
    const value = await this.client.ping();
    this.pingCache = { at: now, value };
    return value;
  }

  // The client's address is not forwarded yet: auth records the proxy's address for these calls.
  loginSSH(req: SSHLoginRequest): Promise<UserCertsResponse> {
    return this.client.loginSSH(req);
  }

  register(req: RegisterRequest): Promise<HostCertsResponse> {
    return this.client.register(req);
  }

  userTokenInfo(token: string): Promise<UserTokenInfo> {
    return this.client.userTokenInfo(token);
  }

  totpRegistration(token: string): Promise<TOTPRegistration> {
    return this.client.totpRegistration(token);
  }

  completeUserToken(req: CompleteUserTokenRequest): Promise<{ user: string }> {
    return this.client.completeUserToken(req);
  }

  webauthnRegistration(token: string, passwordless?: boolean): Promise<MFARegisterChallenge> {
    return new MFAClient(this.client).linkRegistration(token, passwordless);
  }

  mfaLoginBegin(req: MFALoginBeginRequest): Promise<MFAAuthenticateChallenge> {
    return new MFAClient(this.client).loginBegin(req);
  }

  mfaLoginFinish(req: MFALoginFinishRequest): Promise<UserCertsResponse> {
    return new MFAClient(this.client).loginFinish(req);
  }

  ssoConnectors(): Promise<SSOConnectorInfo[]> {
    return this.client.ssoConnectors();
  }

  createSSORequest(kind: string, req: SSOAuthRequestCreate): Promise<SSOAuthRequestCreated> {
    return this.client.createSSORequest(kind, req);
  }

  completeSSO(kind: string, req: SSOCallbackRequest): Promise<SSOCallbackResponse> {
    return this.client.completeSSO(kind, req);
  }
}
