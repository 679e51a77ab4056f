/**
 * `teleport.ciphersuites` names (Teleport's lib/utils/tls.go mapping of lower-case Go names) and
 * the OpenSSL name of each suite. Only TLS 1.2 suites are named here: TLS 1.3's are always on.
 */
export const TELEPORT_CIPHER_SUITES: Readonly<Record<string, string>> = Object.freeze({
  'tls-rsa-with-aes-128-cbc-sha': 'AES128-SHA',
  'tls-rsa-with-aes-256-cbc-sha': 'AES256-SHA',
  'tls-rsa-with-aes-128-cbc-sha256': 'AES128-SHA256',
  'tls-rsa-with-aes-128-gcm-sha256': 'AES128-GCM-SHA256',
  'tls-rsa-with-aes-256-gcm-sha384': 'AES256-GCM-SHA384',
  'tls-ecdhe-ecdsa-with-aes-128-cbc-sha': 'ECDHE-ECDSA-AES128-SHA',
  'tls-ecdhe-ecdsa-with-aes-256-cbc-sha': 'ECDHE-ECDSA-AES256-SHA',
  'tls-ecdhe-rsa-with-aes-128-cbc-sha': 'ECDHE-RSA-AES128-SHA',
  'tls-ecdhe-rsa-with-aes-256-cbc-sha': 'ECDHE-RSA-AES256-SHA',
  'tls-ecdhe-ecdsa-with-aes-128-cbc-sha256': 'ECDHE-ECDSA-AES128-SHA256',
  'tls-ecdhe-rsa-with-aes-128-cbc-sha256': 'ECDHE-RSA-AES128-SHA256',
  'tls-ecdhe-rsa-with-aes-128-gcm-sha256': 'ECDHE-RSA-AES128-GCM-SHA256',
  'tls-ecdhe-ecdsa-with-aes-128-gcm-sha256': 'ECDHE-ECDSA-AES128-GCM-SHA256',
  'tls-ecdhe-rsa-with-aes-256-gcm-sha384': 'ECDHE-RSA-AES256-GCM-SHA384',
  'tls-ecdhe-ecdsa-with-aes-256-gcm-sha384': 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'tls-ecdhe-rsa-with-chacha20-poly1305': 'ECDHE-RSA-CHACHA20-POLY1305',
  'tls-ecdhe-ecdsa-with-chacha20-poly1305': 'ECDHE-ECDSA-CHACHA20-POLY1305',
});
