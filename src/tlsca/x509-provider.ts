/**
 * The one place that loads `@peculiar/x509`: it needs `reflect-metadata` first and a WebCrypto
 * provider, which we take from node:crypto. Other files of this folder import `x509` from here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The `@peculiar/x509` namespace, with node's WebCrypto installed as its provider. */
export { x509 };

/** node's WebCrypto, typed for `@peculiar/x509` calls. */
export const subtle = webcrypto.subtle as unknown as SubtleCrypto;
