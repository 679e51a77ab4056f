/**
 * The cluster's certificate authorities: creation on first start, and access to their signing keys.
 * Keys live in the cert_authority resource in the backend (Teleport's local keystore), base64 in
 * JSON as Go's []byte fields are.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '../api/clock.js';
import { BadParameterError } from '../api/errors.js';
import type { CertAuthority } from '../api/types/index.js';
import { encodeOpenSSHPrivateKey, formatAuthorizedKey, generateKeyPair, parseAuthorizedKey, parsePrivateKey } from '../sshca/index.js';
import { generateCA } from '../tlsca/index.js';

/** The CA types this cluster keeps, in the order `tctl status` prints them. */
export const CA_TYPES = ['host', 'user', 'db', 'jwt'] as const;
/** One of CA_TYPES. */
export type CAType = (typeof CA_TYPES)[number];

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** Creates a new CA resource with fresh keys: SSH ed25519 (host/user), TLS (all but jwt), JWT RSA keys (jwt). */
export async function newCertAuthority(clusterName: string, type: CAType, clock: Clock): Promise<CertAuthority> {
  const activeKeys: CertAuthority['spec']['active_keys'] = {};
  if (type === 'host' || type === 'user') {
    const { privateKey, publicKey } = generateKeyPair('ed25519');
    activeKeys.ssh = [
      {
        public_key: b64(formatAuthorizedKey(publicKey)),
        private_key: b64(encodeOpenSSHPrivateKey(privateKey)),
        private_key_type: 'RAW',
      },
    ];
  }
  if (type !== 'jwt') {
    const tls = await generateCA({ clusterName, type, clock, keyAlgorithm: type === 'db' ? 'rsa2048' : 'ecdsa-p256' });
    activeKeys.tls = [{ cert: b64(tls.certPem), key: b64(tls.keyPem) }];
  } else {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    activeKeys.jwt = [
      {
        public_key: b64(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
        private_key: b64(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
        private_key_type: 'RAW',
      },
    ];
  }
  return {
    kind: 'cert_authority',
    sub_kind: type,
    version: 'v2',
    metadata: { name: clusterName },
    spec: {
      cluster_name: clusterName,
      type,
      active_keys: activeKeys,
      rotation: { state: 'standby' },
    },
  } as CertAuthority;
}

/** The decoded signing material of a CA. Throws BadParameterError when the CA has no key of that kind. */
export interface CASigner {
  clusterName: string;
  type: string;
  sshPrivateKey(): KeyObject;
  tlsCertPem(): string;
  tlsKeyPem(): string;
  jwtPrivateKey(): KeyObject;
}

/** Opens the first active key set of a CA for signing. */
export function caSigner(ca: CertAuthority): CASigner {
  const keys = ca.spec.active_keys ?? {};
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined || v === null || v === '') {
      throw new BadParameterError(`${ca.spec.type} certificate authority of ${ca.spec.cluster_name} has no ${what}`);
    }
    return v;
  };
  return {
    clusterName: ca.spec.cluster_name,
    type: ca.spec.type,
    sshPrivateKey: () => parsePrivateKey(unb64(need(keys.ssh?.[0]?.private_key, 'SSH signing key'))),
    tlsCertPem: () => unb64(need(keys.tls?.[0]?.cert, 'TLS certificate')),
    tlsKeyPem: () => unb64(need(keys.tls?.[0]?.key, 'TLS signing key')),
    jwtPrivateKey: () => createPrivateKey(unb64(need(keys.jwt?.[0]?.private_key, 'JWT signing key'))),
  };
}

/** Every trusted TLS CA certificate (active and additional) of a CA, as PEM. */
export function caTLSCerts(ca: CertAuthority): string[] {
  const sets = [ca.spec.active_keys, ca.spec.additional_trusted_keys];
  return sets.flatMap((s) => s?.tls ?? []).map((k) => unb64(k.cert));
}

/** Every trusted SSH CA public key (active and additional) as authorized_keys lines. */
export function caSSHPublicKeys(ca: CertAuthority): string[] {
  const sets = [ca.spec.active_keys, ca.spec.additional_trusted_keys];
  return sets.flatMap((s) => s?.ssh ?? []).map((k) => unb64(k.public_key).trim());
}

/** SSH CA public keys as wire blobs, for certificate verification. */
export function caSSHPublicBlobs(ca: CertAuthority): Buffer[] {
  return caSSHPublicKeys(ca).map((line) => parseAuthorizedKey(line).blob);
}

/** The JWT public keys of a CA. */
export function caJWTPublicKeys(ca: CertAuthority): KeyObject[] {
  return (ca.spec.active_keys?.jwt ?? []).map((k) => createPublicKey(unb64(k.public_key)));
}

/** A copy of the CA without private keys: what `read_no_secrets` callers see. */
export function withoutSecrets(ca: CertAuthority): CertAuthority {
  const strip = (s: CertAuthority['spec']['active_keys']) =>
    s && {
      ...(s.ssh && { ssh: s.ssh.map(({ private_key: _p, ...k }) => k) }),
      ...(s.tls && { tls: s.tls.map(({ key: _k, ...k }) => k) }),
      ...(s.jwt && { jwt: s.jwt.map(({ private_key: _p, ...k }) => k) }),
    };
  return {
    ...ca,
    spec: {
      ...ca.spec,
      active_keys: strip(ca.spec.active_keys) ?? {},
      ...(ca.spec.additional_trusted_keys && { additional_trusted_keys: strip(ca.spec.additional_trusted_keys) }),
    },
  } as CertAuthority;
}
