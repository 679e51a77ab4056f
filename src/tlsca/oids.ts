/**
 * Attribute OIDs of Teleport's X.509 identity encoding: standard X.520 names for the fields that
 * ride in CN/O/OU/L/STREET/POSTALCODE, and Teleport's private `1.3.9999.x` arc for the rest.
 */

/** X.520 attribute types used by the identity subject and the CA subject. */
export const X520 = {
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  locality: '2.5.4.7',
  streetAddress: '2.5.4.9',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  postalCode: '2.5.4.17',
} as const;

/** Teleport's extra subject attributes (`lib/tlsca/ca.go`), all string-valued. */
export const TeleportOID = {
  kubeUsers: '1.3.9999.1.1',
  kubeGroups: '1.3.9999.1.2',
  kubeCluster: '1.3.9999.1.3',
  appSessionId: '1.3.9999.1.4',
  appClusterName: '1.3.9999.1.5',
  appPublicAddr: '1.3.9999.1.6',
  teleportCluster: '1.3.9999.1.7',
  mfaVerified: '1.3.9999.1.8',
  clientIP: '1.3.9999.1.9',
  appName: '1.3.9999.1.10',
  renewable: '1.3.9999.1.13',
  generation: '1.3.9999.1.14',
  dbServiceName: '1.3.9999.2.1',
  dbProtocol: '1.3.9999.2.2',
  dbUsername: '1.3.9999.2.3',
  dbName: '1.3.9999.2.4',
  dbNames: '1.3.9999.2.5',
  dbUsers: '1.3.9999.2.6',
  impersonator: '1.3.9999.2.7',
  disallowReissue: '1.3.9999.2.9',
  systemRoles: '1.3.9999.2.11',
  previousIdentityExpires: '1.3.9999.2.12',
} as const;
