/**
 * X.509 certificate authority with Teleport's identity encoding: CA generation, certificate
 * issuance, identity parsing, CA pins and chain verification. Pure functions over node:crypto.
 */
export { generateCA, DEFAULT_CA_TTL_MS } from './ca.js';
export type { CAKeyPair, CAType, GenerateCAOptions } from './ca.js';
export { issueCertificate } from './issue.js';
export type { CertKeyUsage, IssueCertificateOptions } from './issue.js';
export { identityFromCertificate, checkIdentity } from './identity.js';
export type { Identity, RouteToApp, RouteToDatabase } from './identity-type.js';
export type { CAKeyAlgorithm } from './keys.js';
export { caPin, checkCAPin } from './pin.js';
export { encodeClusterName, decodeClusterName, hostIdentitySANs, TELEPORT_DOMAIN } from './sans.js';
export type { HostSANOptions } from './sans.js';
export { verifyChain } from './verify.js';
export { TeleportOID, X520 } from './oids.js';
