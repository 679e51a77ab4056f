/**
 * Publickey user authentication as the server sees it: which key or certificate was offered, and
 * whether the client's signature over the session data verifies. Trust decisions are the caller's.
 */
import type { PublicKeyAuthContext } from 'ssh2';
import { CERT_SUFFIX, parseCertificate, signatureAlgorithm, verifySSH } from '../sshca/index.js';
import type { SSHCertificate } from '../sshca/index.js';
import { ssh2 } from './ssh2-module.js';

/** What an offered key proved: the key blob, the parsed certificate if any, and the signature check. */
export interface OfferedKey {
  keyAlgo: string;
  keyBlob: Buffer;
  cert?: SSHCertificate;
  signatureOk: boolean;
}

/**
 * Inspect a signed publickey attempt. Returns undefined for a malformed certificate (refuse it).
 * Certificates: our parser, and our verifier over `ctx.blob` with the certified key.
 */
export function inspectPublicKey(ctx: PublicKeyAuthContext): OfferedKey | undefined {
  const keyAlgo = ctx.key.algo;
  const keyBlob = Buffer.from(ctx.key.data);
  if (keyAlgo.endsWith(CERT_SUFFIX)) {
    let cert: SSHCertificate;
    try {
      cert = parseCertificate(keyBlob);
    } catch {
      return undefined;
    }
    if (certKeyTypeOf(keyAlgo) !== cert.keyType) return undefined;
    return { keyAlgo, keyBlob, cert, signatureOk: certSignatureOk(keyAlgo, cert, ctx) };
  }
  return { keyAlgo, keyBlob, signatureOk: plainSignatureOk(keyAlgo, keyBlob, ctx) };
}

/** `rsa-sha2-512-cert-v01@openssh.com` → `ssh-rsa-cert-v01@openssh.com`; others unchanged. */
function certKeyTypeOf(algo: string): string {
  return /^rsa-sha2-(256|512)-cert-v01@openssh\.com$/.test(algo) ? `ssh-rsa${CERT_SUFFIX}` : algo;
}

function certSignatureOk(keyAlgo: string, cert: SSHCertificate, ctx: PublicKeyAuthContext): boolean {
  if (!ctx.signature || !ctx.blob) return false;
  try {
    // The signature must use the algorithm the client named (ssh-rsa-cert means SHA-1: refused).
    const wantAlg = keyAlgo.slice(0, -CERT_SUFFIX.length);
    if (wantAlg === 'ssh-rsa' || signatureAlgorithm(ctx.signature) !== wantAlg) return false;
    return verifySSH(cert.publicKey, ctx.blob, ctx.signature);
  } catch {
    return false;
  }
}

function plainSignatureOk(keyAlgo: string, keyBlob: Buffer, ctx: PublicKeyAuthContext): boolean {
  if (!ctx.signature || !ctx.blob || keyAlgo === 'ssh-rsa') return false;
  const key = ssh2().utils.parseKey(keyBlob);
  if (key instanceof Error || Array.isArray(key)) return false;
  try {
    return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true;
  } catch {
    return false;
  }
}
