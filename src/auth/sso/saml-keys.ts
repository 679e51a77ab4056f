/**
 * The key pair a SAML connector signs its AuthnRequests with (`spec.signing_key_pair`): generated
 * when the connector is created without one, as Teleport does (RSA 2048, a self-signed certificate
 * for ten years), so `tctl get saml --with-secrets` shows what to give the IdP.
 */
import type { SAMLConnector } from '../../api/types/index.js';
import { generateCA } from '../../tlsca/index.js';

/** The connector with a signing key pair (its own, else a fresh one). */
export async function withSigningKeyPair(c: SAMLConnector): Promise<SAMLConnector> {
  if (c.spec.signing_key_pair) return c;
  const kp = await generateCA({ clusterName: c.metadata.name, type: 'db', keyAlgorithm: 'rsa2048' });
  return { ...c, spec: { ...c.spec, signing_key_pair: { private_key: kp.keyPem, cert: kp.certPem } } };
}
