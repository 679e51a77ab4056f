/**
 * The TLS settings of every TLS server of ours (the auth API, the proxy's web listener): TLS 1.2 or
 * later, and in TLS 1.2 only the suites of Teleport's DefaultCipherSuites (lib/utils/tls.go): ECDHE key
 * exchange with AES-GCM or ChaCha20-Poly1305. CBC-mode, RSA key exchange and SHA-1 suites are left out.
 */
import type { TlsOptions } from 'node:tls';
import { BadParameterError } from '../api/errors.js';
import { TELEPORT_CIPHER_SUITES } from '../api/tls-cipher-suites.js';

/** Teleport's default TLS 1.2 suites, in OpenSSL's names and Teleport's order. */
export const TLS12_CIPHER_SUITES = [
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
] as const;

/** TLS 1.3's suites (all AEAD), named explicitly so that the list above does not replace them. */
export const TLS13_CIPHER_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** The TLS settings a server takes (TLS_SERVER_OPTIONS or tlsServerOptions()). */
export type TLSServerOptions = Readonly<Pick<TlsOptions, 'minVersion' | 'ciphers' | 'honorCipherOrder'>>;

/** Options to spread into `https.createServer` / `tls.createServer` before the certificate options. */
export const TLS_SERVER_OPTIONS: TLSServerOptions = Object.freeze({
  minVersion: 'TLSv1.2',
  ciphers: [...TLS13_CIPHER_SUITES, ...TLS12_CIPHER_SUITES].join(':'),
  honorCipherOrder: true,
});

/**
 * The settings for `teleport.ciphersuites` (Teleport's names, in the operator's order of preference):
 * those TLS 1.2 suites instead of the defaults, TLS 1.3's always. None given: TLS_SERVER_OPTIONS.
 * Throws BadParameterError naming a suite it does not know (the config reader refuses those first).
 */
export function tlsServerOptions(cipherSuites?: readonly string[]): TLSServerOptions {
  if (!cipherSuites || cipherSuites.length === 0) return TLS_SERVER_OPTIONS;
  const openssl = cipherSuites.map((name) => {
    const found = TELEPORT_CIPHER_SUITES[name.toLowerCase()];
    if (!found) throw new BadParameterError(`unsupported cipher suite "${name}"; supported: ${Object.keys(TELEPORT_CIPHER_SUITES).join(', ')}`);
    return found;
  });
  return Object.freeze({ minVersion: 'TLSv1.2', ciphers: [...TLS13_CIPHER_SUITES, ...openssl].join(':'), honorCipherOrder: true });
}

/** `Strict-Transport-Security` of web responses served over TLS (one year, subdomains, as Teleport sends). */
export const HSTS_HEADER = 'max-age=31536000; includeSubDomains';
