/**
 * Request and response bodies of the auth API (HTTPS + mutual TLS on port 3025, JSON bodies).
 * Our own versioned protocol (`/v1/...`); field names follow Teleport's snake_case.
 * Errors come back as `{ error: { code, message } }` with the HTTP status of errors.ts.
 */
import type { WebAuthnRegistrationResponse } from './mfa-wire.js';

/** GET /v1/ping (no client certificate needed). */
export interface PingResponse {
  cluster_name: string;
  server_version: string;
  /** Auth server's TLS CA certificates for the host CA, PEM: joiners check them against --ca-pin. */
  host_ca_certs: string[];
}

/** One row of `tctl status`. */
export interface CAStatus {
  type: string;
  cluster_name: string;
  /** `never updated`, `rotated <time>`, or the phase text while rotating. */
  rotation: string;
  /** `sha256:<hex>` pins of the CA's TLS certificates (host CA only in `tctl status`). */
  pins: string[];
}

/** GET /v1/status. */
export interface StatusResponse {
  cluster_name: string;
  server_version: string;
  cas: CAStatus[];
}

/** POST /v1/tokens: `tctl tokens add` / `tctl nodes add`. */
export interface GenerateTokenRequest {
  roles: string[];
  /** Milliseconds; default 30 minutes. */
  ttl_ms?: number;
  /** A token value chosen by the caller (`--value`); random 32 hex when absent. */
  token?: string;
  labels?: Record<string, string>;
}

/** POST /v1/users/:name/token: invite (`tctl users add`) or reset (`tctl users reset`). */
export interface CreateUserTokenRequest {
  type: 'invite' | 'reset';
  /** Milliseconds; invite default 1h (max 48h), reset default 8h (max 24h). */
  ttl_ms?: number;
}

/** The created invite/reset token and the URL to share with the user. */
export interface UserTokenResponse {
  token: string;
  user: string;
  url: string;
  expires: string;
}

/** POST /v1/certs/user: sign certificates for a user's public key. */
export interface UserCertsRequest {
  username: string;
  /** SPKI PEM of the key both certificates are issued for. */
  public_key: string;
  ttl_ms?: number;
  route_to_cluster?: string;
  /** `standard` or `oldssh`. */
  cert_format?: string;
  /** A database-access certificate: the route the proxy reads (`tsh db login`). */
  route_to_database?: RouteToDatabaseWire;
  /** An application-access certificate (`tsh app login`): the app session it belongs to (POST /v1/appsessions). */
  route_to_app?: RouteToAppWire;
  /**
   * A certificate routed to this Kubernetes cluster (`tsh kube login`, `tsh kube credentials`):
   * it must be registered (a kube_server heartbeat) and allowed by the roles' kubernetes_labels.
   */
  kubernetes_cluster?: string;
}

/** The application a user certificate routes to (Teleport's RouteToApp); the session must be the caller's and live. */
export interface RouteToAppWire {
  name: string;
  session_id: string;
  public_addr: string;
  cluster_name: string;
}

/** The database a user certificate routes to (Teleport's RouteToDatabase). */
export interface RouteToDatabaseWire {
  /** The database's name as its db_server heartbeat names it. */
  service_name: string;
  protocol: string;
  username?: string;
  database?: string;
}

/**
 * POST /v1/certs/db: a certificate signed by the cluster's `db` CA (Teleport's
 * GenerateDatabaseCert): a server certificate for a database (`tctl auth sign --format=db`), or
 * the client certificate a database service logs in with (CN = the database user).
 */
export interface DatabaseCertRequest {
  /** SPKI PEM of the key the certificate is issued for. */
  public_key: string;
  /** Subject CN: the host name (server) or the database user (client). */
  common_name: string;
  /** DNS or IP SANs (server certificates). */
  server_names?: string[];
  ttl_ms: number;
}

/** The issued certificate and the `db` CA certificates that verify it. */
export interface DatabaseCertResponse {
  cert: string;
  ca_certs: string[];
}

/** Credentials returned with a login or cert request. */
export interface UserCertsResponse {
  ssh: string;
  tls: string;
  /** TLS CA certificates to trust (host CA of the cluster), PEM. */
  tls_ca_certs: string[];
  /** Host CA public keys, authorized_keys form, for known_hosts `@cert-authority` lines. */
  ssh_ca_keys: string[];
  cluster_name: string;
  expires: string;
}

/** POST /v1/certs/host (admin) and the result of joining. */
export interface HostCertsRequest {
  host_id: string;
  node_name: string;
  role: string;
  public_key: string;
  additional_principals?: string[];
  dns_names?: string[];
}

/**
 * POST /v1/register: join with a token (no client certificate). For a secretless join method
 * (`join_method` ec2, iam or kubernetes) `token` is the token's name and the proof travels beside
 * it, as in Teleport's RegisterUsingTokenRequest (see src/api/join-proof.ts).
 */
export interface RegisterRequest extends HostCertsRequest {
  token: string;
  /** `token` (the default), `ec2`, `iam` or `kubernetes`. */
  join_method?: string;
  /** ec2: the PKCS#7 signature of the instance identity document from IMDS (`/pkcs7`), base64 DER. */
  ec2_identity_document?: string;
  /** iam: the signed `sts:GetCallerIdentity` HTTP request, base64 of its wire form. */
  sts_identity_request?: string;
  /** kubernetes: the pod's service account token (a JWT). */
  id_token?: string;
}

/** Host credentials. */
export interface HostCertsResponse {
  ssh: string;
  tls: string;
  tls_ca_certs: string[];
  ssh_ca_keys: string[];
  cluster_name: string;
}

/** A row of `tctl tokens ls`. Static tokens have no expiry. */
export interface TokenInfo {
  token: string;
  roles: string[];
  labels: Record<string, string>;
  expires?: string;
  static?: boolean;
}

/** Query parameters of the generic resource routes `/v1/resources/:kind[/:name]`. */
export interface ResourceQuery {
  with_secrets?: boolean;
  /** For POST: overwrite an existing resource (`tctl create -f`). */
  force?: boolean;
}

/** GET /v1/usertokens/:token: what an invite or reset link is for. */
export interface UserTokenInfo {
  user: string;
  type: 'invite' | 'reset';
  expires: string;
}

/** POST /v1/usertokens/:token/totp: a TOTP secret to register, as text and as an otpauth URI. */
export interface TOTPRegistration {
  secret: string;
  uri: string;
  account: string;
}

/** POST /v1/usertokens/:token/complete. `otp_code` is required when the cluster's second factor asks for TOTP. */
export interface CompleteUserTokenRequest {
  token: string;
  password: string;
  otp_code?: string;
  device_name?: string;
  /** A security key registered instead of a TOTP app (the answer to `/v1/usertokens/:token/webauthn`). */
  webauthn_response?: WebAuthnRegistrationResponse;
}

/** POST /v1/login/ssh: local login returning certificates for `public_key`. */
export interface SSHLoginRequest extends Omit<UserCertsRequest, 'username'> {
  user: string;
  password: string;
  otp_token?: string;
}

/**
 * A web session as auth stores it and hands it to proxies (`/v1/websessions`): the browser's login,
 * with the key (`priv`, PKCS#8 PEM) and certificates the proxy acts with on the user's behalf, and
 * the bearer token the UI renews. Secret: only proxies (and the cluster admin) may read it.
 */
export interface WebSessionData {
  id: string;
  user: string;
  priv: string;
  ssh_cert: string;
  tls_cert: string;
  bearer_token: string;
  bearer_expires: string;
  /** When the certificates, and so the session, expire. */
  expires: string;
  created: string;
  login_time: string;
}

/** POST /v1/websessions: a local login from the web UI. */
export interface WebSessionLoginRequest {
  user: string;
  password: string;
  otp?: string;
}

/** POST /v1/websessions/invite: completes an invite or reset link and logs the browser in. */
export interface WebSessionInviteResponse {
  user: string;
  session: WebSessionData;
}
