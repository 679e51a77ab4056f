/** The auth API's MFA routes as calls (src/auth/mfa-routes.ts), over an AuthClient. */
import type { UserCertsResponse, WebSessionData } from '../auth-wire.js';
import type {
  MFAAddDeviceRequest,
  MFAAuthenticateChallenge,
  MFADeviceInfo,
  MFALoginBeginRequest,
  MFALoginFinishRequest,
  MFARegisterBeginRequest,
  MFARegisterChallenge,
  SessionMFACertsRequest,
  WebAuthnAssertionResponse,
} from '../mfa-wire.js';
import type { AuthClient } from './auth-client.js';

/** MFA calls. Errors are the server's typed errors. */
export class MFAClient {
  constructor(private readonly c: Pick<AuthClient, 'request'>) {}

  /** Public: WebAuthn creation options for an invite or reset link. */
  linkRegistration(token: string, passwordless = false): Promise<MFARegisterChallenge> {
    return this.c.request('POST', `/v1/usertokens/${encodeURIComponent(token)}/webauthn`, { passwordless });
  }

  /** Public: a login's first step (password checked), or a passwordless challenge. */
  loginBegin(req: MFALoginBeginRequest): Promise<MFAAuthenticateChallenge> {
    return this.c.request('POST', '/v1/mfa/login/begin', req);
  }

  /** Public: certificates after a security key assertion. */
  loginFinish(req: MFALoginFinishRequest): Promise<UserCertsResponse> {
    return this.c.request('POST', '/v1/mfa/login/finish', req);
  }

  /** Proxies: a web session after a security key assertion. */
  webSessionLogin(req: { user?: string; webauthn_response: WebAuthnAssertionResponse; remote_addr?: string }): Promise<WebSessionData> {
    return this.c.request('POST', '/v1/websessions/mfa', req);
  }

  /** The caller's devices. */
  async listDevices(): Promise<MFADeviceInfo[]> {
    return (await this.c.request<{ items: MFADeviceInfo[] }>('GET', '/v1/mfa/devices')).items;
  }

  /** A challenge to add a device to the caller. */
  registerChallenge(req: MFARegisterBeginRequest): Promise<MFARegisterChallenge> {
    return this.c.request('POST', '/v1/mfa/devices/register', req);
  }

  /** Completes adding a device. */
  addDevice(req: MFAAddDeviceRequest): Promise<MFADeviceInfo> {
    return this.c.request('POST', '/v1/mfa/devices', req);
  }

  /** Removes one of the caller's devices by name. */
  async removeDevice(name: string): Promise<void> {
    await this.c.request('DELETE', `/v1/mfa/devices/${encodeURIComponent(name)}`);
  }

  /** Whether the caller's sessions need an MFA check first (require_session_mfa). */
  async sessionMFARequired(): Promise<boolean> {
    return (await this.c.request<{ required: boolean }>('GET', '/v1/mfa/session-required')).required;
  }

  /** A one-minute certificate for one session on `node`, after an MFA check. */
  sessionCerts(req: SessionMFACertsRequest): Promise<UserCertsResponse> {
    return this.c.request('POST', '/v1/certs/user/mfa', req);
  }

  /** A challenge for the caller's own devices (per-session MFA). */
  challenge(): Promise<MFAAuthenticateChallenge> {
    return this.c.request('POST', '/v1/mfa/challenge');
  }
}
