/**
 * OpenSSH keys, signatures and certificates on node:crypto: what the auth server mints and what
 * SSH servers and clients verify. No ssh2 or sshpk here.
 */
export { SSHReader, SSHWriter, encodeMpint } from './wire.js';
export {
  CERT_SUFFIX,
  SSH_KEY_TYPES,
  blobToPublicKey,
  fingerprint,
  formatAuthorizedKey,
  generateKeyPair,
  isCertType,
  isSSHKeyType,
  keyObjectType,
  parseAuthorizedKey,
  publicKeyToBlob,
  sshKeyType,
} from './keys.js';
export type { AuthorizedKey, KeyAlgorithm, SSHKeyType } from './keys.js';
export { decodeOpenSSHPrivateKey, encodeOpenSSHPrivateKey, parsePrivateKey } from './private-key.js';
export { signSSH, signatureAlgorithm, verifySSH } from './signature.js';
export type { RSASignatureAlgorithm } from './signature.js';
export { CERT_FOREVER, certificateSignedBytes, formatCertificate, parseCertificate, signCertificate } from './cert.js';
export type { SSHCertificate, SignCertificateOptions } from './cert.js';
export { verifyCertificate } from './cert-verify.js';
export type { VerifyCertificateOptions } from './cert-verify.js';
export { checkNodeHostCertificate, hostVerifier } from './host-check.js';
export type { HostCheck, NodeHostCheck, PresentedHostKey } from './host-check.js';
export { matchSourceAddress, parseSourceAddress } from './source-address.js';
export type { CIDR } from './source-address.js';
export { formatAuthorizedKeysCA, formatKnownHostsCA } from './lines.js';
