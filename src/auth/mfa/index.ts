/** MFA devices, challenges and WebAuthn ceremonies for local users. */
export { MFAService, type MFAServiceOptions } from './mfa-service.js';
export { listDevices, isWebAuthn, type DeviceRecord, type WebAuthnDeviceRecord, type TOTPDeviceRecord } from './devices.js';
export { ClonedCredentialError } from './webauthn.js';
export { CHALLENGE_TTL } from './challenges.js';
