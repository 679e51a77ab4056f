/**
 * The identity Teleport encodes in an X.509 subject, as a type of its own: subject.ts encodes and
 * decodes it, identity.ts reads it from certificates, issue.ts writes it into them.
 */

/** Application routing data carried by app-access certificates (`1.3.9999.1.4/.5/.6/.10`). */
export interface RouteToApp {
  sessionId: string;
  publicAddr: string;
  clusterName: string;
  name: string;
}

/** Database routing data carried by database-access certificates (`1.3.9999.2.1..4`). */
export interface RouteToDatabase {
  serviceName: string;
  protocol: string;
  username?: string;
  database?: string;
}

/**
 * A user's or host's identity as Teleport encodes it in an X.509 subject. Absent optional fields
 * and empty lists are not written, so they read back as `undefined`.
 */
export interface Identity {
  /** Subject CN: the Teleport user, or the host (`<hostUUID>.<cluster>`). */
  username: string;
  /** Subject O (one multi-valued RDN): Teleport roles; for single-role host certs the system role. */
  groups: string[];
  /** Subject OU: usage restrictions such as `usage:kube`. */
  usage?: string[];
  /** Subject L: allowed SSH logins. */
  principals?: string[];
  /** Subject STREET: the cluster to route to. */
  routeToCluster?: string;
  /** Subject POSTALCODE: traits as Go-compatible JSON. */
  traits?: Record<string, string[]>;
  kubernetesUsers?: string[];
  kubernetesGroups?: string[];
  kubernetesCluster?: string;
  /** The cluster this identity originated from. */
  teleportCluster?: string;
  /** UUID of the MFA device verified right before issuance. */
  mfaVerified?: string;
  clientIP?: string;
  routeToApp?: RouteToApp;
  routeToDatabase?: RouteToDatabase;
  databaseNames?: string[];
  databaseUsers?: string[];
  impersonator?: string;
  disallowReissue?: boolean;
  /** System roles of a multi-role host certificate. */
  systemRoles?: string[];
  renewable?: boolean;
  generation?: number;
  /** Hard deadline inherited from the certificate this one was derived from (RFC 3339, seconds). */
  previousIdentityExpires?: Date;
  /** The certificate's NotAfter. */
  expires: Date;
}
