/**
 * The one place that loads `@peculiar/x509`: it needs `reflect-metadata` first and a WebCrypto
 * provider, which we take from node:crypto. Other files of this folder import `x509` from here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 is typed against the DOM's Crypto, which this build's lib does not include.
x509.cryptoProvider.set(webcrypto as never);

/** The `@peculiar/x509` namespace, with node's WebCrypto installed as its provider. */
export { x509 };

/** node's WebCrypto SubtleCrypto (the same provider `x509` uses). */
export const subtle = webcrypto.subtle;
