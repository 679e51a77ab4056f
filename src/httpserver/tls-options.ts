/**
 * The TLS settings of every TLS server of ours (the auth API, the proxy's web listener): TLS 1.2 or
 * later, and in TLS 1.2 only the suites of Teleport's DefaultCipherSuites (lib/utils/tls.go): ECDHE key
 * exchange with AES-GCM or ChaCha20-Poly1305. CBC-mode, RSA key exchange and SHA-1 suites are left out.
 */
import type { TlsOptions } from 'node:tls';

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

/** Options to spread into `https.createServer` / `tls.createServer` before the certificate options. */
export const TLS_SERVER_OPTIONS: Pick<TlsOptions, 'minVersion' | 'ciphers' | 'honorCipherOrder'> = Object.freeze({
  minVersion: 'TLSv1.2',
  ciphers: [...TLS13_CIPHER_SUITES, ...TLS12_CIPHER_SUITES].join(':'),
  honorCipherOrder: true,
});

/** `Strict-Transport-Security` of web responses served over TLS (one year, subdomains, as Teleport sends). */
export const HSTS_HEADER = 'max-age=31536000; includeSubDomains';
