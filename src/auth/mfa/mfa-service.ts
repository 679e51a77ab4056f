/**
 * MFA for local users: registering TOTP and WebAuthn devices (from an invite link or by a logged-in
 * user), challenges and their checks for logins (password + security key, passwordless) and for
 * per-session MFA, listing and removing devices (never the last one while the cluster requires
 * MFA). Every change is audited (`mfa.add`, `mfa.delete`).
 */
import { AccessDeniedError, BadParameterError, isCode } from '../../api/errors.js';
import { MINUTE } from '../../api/duration.js';
import {
  passwordlessAllowed,
  totpEnabled,
  webauthnEnabled,
  type MFAAddDeviceRequest,
  type MFAAuthenticateChallenge,
  type MFAAuthenticateResponse,
  type MFADeviceInfo,
  type MFAPreference,
  type MFARegisterBeginRequest,
  type MFARegisterChallenge,
  type WebAuthnAssertionResponse,
  type WebAuthnRegistrationResponse,
} from '../../api/mfa-wire.js';
import { auditEvent } from '../../events/index.js';
import type { Services } from '../../services/index.js';
import type { AuthAudit } from '../audit.js';
import { newTOTPSecret, totpURI, verifyTOTP } from '../totp.js';
import { saveChallenge, takeChallenge, type ChallengePurpose } from './challenges.js';
import {
  addDevice,
  deviceInfo,
  isWebAuthn,
  listDevices,
  putDevice,
  removeDevice,
  userOfHandle,
  webauthnUserHandle,
  type DeviceRecord,
  type TOTPDeviceRecord,
  type WebAuthnDeviceRecord,
} from './devices.js';
import { clientDataOf, creationOptions, requestOptions, verifyAssertion, verifyRegistration, ClonedCredentialError, type NewCredential } from './webauthn.js';

/** What the MFA service needs. */
export interface MFAServiceOptions {
  services: Services;
  clusterName: string;
  audit: AuthAudit;
  /** The cluster auth preference's MFA fields and `webauthn.rp_id`. */
  preference(): Promise<MFAPreference & { webauthn?: { rp_id?: string } }>;
  /** The proxy's public `host:port` (the default relying party ID is its host). */
  proxyAddr(): Promise<string>;
}

const pendingTOTPKey = (user: string) => `/web/users/${user}/pending-totp`;
const DEVICE_NAME = /^[\w .@:+-]{1,64}$/;

/** The MFA operations; users are named by the caller (routes derive them from certificates). */
export class MFAService {
  constructor(private readonly opts: MFAServiceOptions) {}

  /** The relying party ID: `webauthn.rp_id`, else the proxy's public host. */
  async rpId(): Promise<string> {
    const p = await this.opts.preference();
    if (p.webauthn?.rp_id) return p.webauthn.rp_id;
    const addr = await this.opts.proxyAddr();
    return addr.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  }

  /** The user's devices, without secrets. */
  async list(user: string): Promise<MFADeviceInfo[]> {
    return (await listDevices(this.opts.services, user)).map(deviceInfo);
  }

  /** A challenge to register a device for `user` (a logged-in user adding one, or an invite link's user). */
  async registerChallenge(user: string, req: MFARegisterBeginRequest, link?: string): Promise<MFARegisterChallenge> {
    const pref = await this.opts.preference();
    if (req?.type === 'totp') {
      if (!totpEnabled(pref)) throw new BadParameterError(`this cluster's second_factor is ${pref.second_factor}: TOTP devices cannot be added (use --type=webauthn)`);
      const secret = newTOTPSecret();
      await this.opts.services.backend.put({ key: pendingTOTPKey(user), value: secret, expires: this.now() + 5 * MINUTE });
      return { totp: { secret, uri: totpURI(secret, user, this.opts.clusterName), account: user } };
    }
    if (req?.type !== 'webauthn') throw new BadParameterError('the device type must be totp or webauthn');
    if (!webauthnEnabled(pref)) throw new BadParameterError(`this cluster's second_factor is ${pref.second_factor ?? 'otp'}: WebAuthn devices cannot be added (an administrator sets second_factor: on, webauthn or optional)`);
    const passwordless = Boolean(req.passwordless);
    const publicKey = await creationOptions({
      rpId: await this.rpId(),
      rpName: this.opts.clusterName,
      user,
      userHandle: await webauthnUserHandle(this.opts.services, user),
      exclude: (await listDevices(this.opts.services, user)).filter(isWebAuthn),
      passwordless,
    });
    await saveChallenge(this.opts.services, { challenge: publicKey.challenge, purpose: link ? 'invite' : 'register', user, passwordless, ...(link && { token: link }) });
    return { webauthn: { publicKey } };
  }

  /** Checks a registration answering an invite link's challenge, without storing anything yet. */
  async verifyLinkRegistration(user: string, link: string, response: WebAuthnRegistrationResponse): Promise<NewCredential & { resident_key: boolean }> {
    const c = await takeChallenge(this.opts.services, clientDataOf(response).challenge, ['invite'], user);
    if (c.token !== link) throw new AccessDeniedError('the MFA challenge belongs to another link: start again');
    return { ...(await verifyRegistration(response, c.challenge, await this.rpId(), Boolean(c.passwordless))), resident_key: Boolean(c.passwordless) };
  }

  /** Stores a WebAuthn credential verified by verifyLinkRegistration. */
  async storeWebAuthn(user: string, name: string, cred: NewCredential & { resident_key: boolean }): Promise<MFADeviceInfo> {
    const d = await addDevice<WebAuthnDeviceRecord>(this.opts.services, user, { type: 'webauthn', name: checkName(name), ...cred });
    this.added(user, d);
    return deviceInfo(d);
  }

  /** Completes adding a device to a logged-in user. */
  async addDevice(user: string, req: MFAAddDeviceRequest): Promise<MFADeviceInfo> {
    const name = checkName(req?.name);
    if ((await listDevices(this.opts.services, user)).some((d) => d.name === name)) {
      throw new BadParameterError(`MFA device "${name}" already exists: choose another name`);
    }
    let device: DeviceRecord;
    if (req.type === 'totp') {
      let secret: string;
      try {
        secret = (await this.opts.services.backend.get(pendingTOTPKey(user))).value;
      } catch (err) {
        if (isCode(err, 'not_found')) throw new BadParameterError('no TOTP secret is pending for you (it lasts 5 minutes): start again');
        throw err;
      }
      const step = typeof req.totp_code === 'string' ? verifyTOTP(secret, req.totp_code, this.now()) : undefined;
      if (step === undefined) throw new BadParameterError('the TOTP code is not valid: check the app shows the code for this account and that the clock is right');
      await this.opts.services.backend.delete(pendingTOTPKey(user)).catch(() => undefined);
      device = await addDevice<TOTPDeviceRecord>(this.opts.services, user, { type: 'totp', name, secret, last_step: step });
    } else if (req.type === 'webauthn') {
      if (!req.webauthn_response) throw new BadParameterError('missing webauthn_response');
      const c = await takeChallenge(this.opts.services, clientDataOf(req.webauthn_response).challenge, ['register'], user);
      const cred = await verifyRegistration(req.webauthn_response, c.challenge, await this.rpId(), Boolean(c.passwordless));
      device = await addDevice<WebAuthnDeviceRecord>(this.opts.services, user, { type: 'webauthn', name, ...cred, resident_key: Boolean(c.passwordless) });
    } else {
      throw new BadParameterError('the device type must be totp or webauthn');
    }
    this.added(user, device);
    return deviceInfo(device);
  }

  /**
   * Removes a device. Refused when it is the user's last device that satisfies the cluster's
   * second_factor while MFA is required (otp, webauthn, on): the user would be locked out.
   */
  async removeDevice(user: string, name: string): Promise<void> {
    if (typeof name !== 'string' || name === '') throw new BadParameterError('missing device name');
    const pref = await this.opts.preference();
    const mode = pref.second_factor ?? 'otp';
    const devices = await listDevices(this.opts.services, user);
    const target = devices.find((d) => d.name === name || d.id === name);
    if (target && ['otp', 'webauthn', 'on'].includes(mode)) {
      const usable = (d: DeviceRecord) => mode === 'on' || (mode === 'webauthn' ? isWebAuthn(d) : !isWebAuthn(d));
      if (usable(target) && devices.filter((d) => d !== target && usable(d)).length === 0) {
        throw new BadParameterError(`cannot delete the last MFA device for this user while this cluster requires MFA (second_factor: ${mode}); add a replacement device first to avoid getting locked out`);
      }
    }
    const d = await removeDevice(this.opts.services, user, name);
    this.opts.audit.emit(auditEvent('mfa.delete', 'T1007I', { user, mfa_device_name: d.name, mfa_device_uuid: d.id, mfa_device_type: deviceInfo(d).type }));
  }

  /** A challenge for `user`'s devices (login's second step, per-session MFA); for passwordless, no user. */
  async authenticateChallenge(user: string | undefined, purpose: ChallengePurpose): Promise<MFAAuthenticateChallenge> {
    const pref = await this.opts.preference();
    if (user === undefined) {
      if (!passwordlessAllowed(pref)) throw new AccessDeniedError('passwordless login is not allowed on this cluster (cluster_auth_preference allow_passwordless, second_factor)');
      const publicKey = await requestOptions(await this.rpId(), undefined);
      await saveChallenge(this.opts.services, { challenge: publicKey.challenge, purpose: 'passwordless' });
      return { totp_challenge: false, webauthn_challenge: { publicKey } };
    }
    const devices = await listDevices(this.opts.services, user);
    const keys = webauthnEnabled(pref) ? devices.filter(isWebAuthn) : [];
    const out: MFAAuthenticateChallenge = { totp_challenge: totpEnabled(pref) && devices.some((d) => !isWebAuthn(d)) };
    if (keys.length > 0) {
      const publicKey = await requestOptions(await this.rpId(), keys);
      await saveChallenge(this.opts.services, { challenge: publicKey.challenge, purpose, user });
      out.webauthn_challenge = { publicKey };
    }
    return out;
  }

  /**
   * Verifies an assertion answering a challenge of one of `purposes`; returns the user (from the
   * challenge, or for passwordless from the credential's user handle) and the device, whose counter
   * and last use are updated. AccessDeniedError (ClonedCredentialError for a counter gone backwards).
   */
  async verifyWebAuthn(response: WebAuthnAssertionResponse, purposes: ChallengePurpose[], user?: string): Promise<{ user: string; device: WebAuthnDeviceRecord }> {
    if (!response || typeof response !== 'object') throw new BadParameterError('missing webauthn_response');
    const c = await takeChallenge(this.opts.services, clientDataOf(response).challenge, purposes, user);
    let owner = c.user;
    if (!owner) {
      const handle = response.response?.userHandle;
      owner = typeof handle === 'string' ? await userOfHandle(this.opts.services, handle) : undefined;
      if (!owner) throw new AccessDeniedError('this security key is not registered for passwordless login on this cluster');
    }
    const device = (await listDevices(this.opts.services, owner)).filter(isWebAuthn).find((d) => d.credential_id === response.id);
    if (!device) throw new AccessDeniedError(`this security key is not registered to user ${owner}`);
    if (c.purpose === 'passwordless' && !device.resident_key) throw new AccessDeniedError(`security key "${device.name}" was not registered for passwordless login`);
    try {
      const counter = await verifyAssertion(response, device, c.challenge, await this.rpId(), c.purpose === 'passwordless');
      const updated = { ...device, sign_count: counter, last_used: new Date(this.now()).toISOString() };
      await putDevice(this.opts.services, owner, updated);
      return { user: owner, device: updated };
    } catch (err) {
      if (err instanceof ClonedCredentialError) {
        this.opts.audit.emit(auditEvent('user.login', 'T1000W', { user: owner, method: 'local', success: false, error: err.message }));
      }
      throw err;
    }
  }

  /** Verifies a TOTP code or an assertion of `user` (per-session MFA); returns the device used. */
  async verifyResponse(user: string, resp: MFAAuthenticateResponse, purpose: ChallengePurpose): Promise<DeviceRecord> {
    if (resp?.webauthn_response) return (await this.verifyWebAuthn(resp.webauthn_response, [purpose], user)).device;
    if (typeof resp?.totp_code !== 'string' || resp.totp_code === '') throw new BadParameterError('an MFA response is required: a TOTP code or a security key assertion');
    for (const d of await listDevices(this.opts.services, user)) {
      if (isWebAuthn(d)) continue;
      const step = verifyTOTP(d.secret, resp.totp_code, this.now());
      if (step === undefined || (d.last_step !== undefined && step <= d.last_step)) continue;
      const updated = { ...d, last_step: step, last_used: new Date(this.now()).toISOString() };
      await putDevice(this.opts.services, user, updated);
      return updated;
    }
    throw new AccessDeniedError('the TOTP code is not valid or was already used');
  }

  private added(user: string, d: DeviceRecord): void {
    this.opts.audit.emit(auditEvent('mfa.add', 'T1006I', { user, mfa_device_name: d.name, mfa_device_uuid: d.id, mfa_device_type: deviceInfo(d).type }));
  }

  private now(): number {
    return this.opts.services.clock.now();
  }
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !DEVICE_NAME.test(name)) {
    throw new BadParameterError('the device name must be 1-64 letters, digits, spaces or ._@:+-');
  }
  return name;
}
