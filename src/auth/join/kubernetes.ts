/**
 * The Kubernetes join method (Teleport's `join_method: kubernetes`): the host sends its pod's
 * service account token. `type: in_cluster` (the default) asks the Kubernetes API server that
 * runs auth to review it (TokenReview); `type: static_jwks` verifies it against the token's
 * `static_jwks.jwks` (audience: the cluster name; a pod-bound token with `exp` and `iat`, living at
 * most 30 minutes). Then the service account must match an allow rule (`service_account: ns:name`).
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JWTPayload } from 'jose';
import type { Clock } from '../../api/clock.js';
import { AccessDeniedError, BadParameterError, ConnectionProblemError } from '../../api/errors.js';
import type { RegisterRequest } from '../../api/auth-wire.js';
import type { ProvisionToken } from '../../api/types/index.js';

/** The API server auth sends TokenReviews to. */
export interface KubernetesAPI {
  /** `https://host:port` (http only for tests). */
  url: string;
  /** auth's own bearer token. */
  token: string;
  /** PEM CA of the API server. */
  caPem?: string;
}

/** Where auth checks Kubernetes joins. */
export interface KubernetesJoinOptions {
  /** The API server for `in_cluster` (default: the pod's, from KUBERNETES_SERVICE_HOST/PORT and the mounted service account). */
  apiServer?: () => Promise<KubernetesAPI>;
}

/** The mounted service account of a pod. */
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const SA_PREFIX = 'system:serviceaccount:';
const MAX_STATIC_TTL_S = 30 * 60;

/** The API server of the pod auth runs in; BadParameterError outside Kubernetes. */
export async function inClusterAPI(env: NodeJS.ProcessEnv = process.env): Promise<KubernetesAPI> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new BadParameterError('the in_cluster Kubernetes join method needs auth to run in the Kubernetes cluster (KUBERNETES_SERVICE_HOST is not set); use type: static_jwks');
  const [token, caPem] = await Promise.all([readFile(`${SA_DIR}/token`, 'utf8'), readFile(`${SA_DIR}/ca.crt`, 'utf8')]);
  return { url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, token: token.trim(), caPem };
}

/** A TokenReview's answer. */
interface ReviewStatus {
  authenticated?: boolean;
  error?: string;
  user?: { username?: string; groups?: string[]; extra?: Record<string, string[]> };
}

function review(api: KubernetesAPI, token: string): Promise<ReviewStatus> {
  const url = new URL('/apis/authentication.k8s.io/v1/tokenreviews', api.url);
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const r = send(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json', accept: 'application/json' }, timeout: 15_000, ...(api.caPem && { ca: api.caPem }) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 201 && res.statusCode !== 200) {
            reject(new ConnectionProblemError(`the Kubernetes TokenReview failed: ${res.statusCode} ${text.slice(0, 200)}`));
            return;
          }
          try {
            resolve((JSON.parse(text) as { status?: ReviewStatus }).status ?? {});
          } catch {
            reject(new ConnectionProblemError('the Kubernetes TokenReview answered with something else than JSON'));
          }
        });
      },
    );
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', (err) => reject(new ConnectionProblemError(`cannot reach the Kubernetes API server for a TokenReview: ${err.message}`, { cause: err })));
    r.end(body);
  });
}

async function inCluster(token: string, options: KubernetesJoinOptions): Promise<string> {
  const status = await review(await (options.apiServer ?? (() => inClusterAPI()))(), token);
  if (!status.authenticated) throw new AccessDeniedError(`Kubernetes did not accept the service account token: ${status.error || 'not authenticated'}`);
  const user = status.user ?? {};
  if (!user.username?.startsWith(SA_PREFIX)) throw new AccessDeniedError(`the Kubernetes token belongs to "${user.username ?? ''}", not to a service account`);
  if (!(user.groups ?? []).includes('system:serviceaccounts')) throw new AccessDeniedError(`the Kubernetes user "${user.username}" is not in the system:serviceaccounts group`);
  if (!user.extra?.['authentication.kubernetes.io/pod-name']) {
    throw new AccessDeniedError('the Kubernetes token is a legacy service account token not bound to a pod; use a projected service account token');
  }
  return user.username;
}

async function staticJWKS(token: string, jwks: string, clusterName: string, clock: Clock): Promise<string> {
  let payload: JWTPayload;
  const { createLocalJWKSet, jwtVerify } = await import('jose');
  try {
    const set = createLocalJWKSet(JSON.parse(jwks) as Parameters<typeof createLocalJWKSet>[0]);
    ({ payload } = await jwtVerify(token, set, { audience: clusterName, clockTolerance: 10, currentDate: new Date(clock.now()) }));
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new AccessDeniedError(`the Kubernetes service account token is not valid for this cluster: ${e.code === 'ERR_JWKS_NO_MATCHING_KEY' || e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'it is not signed by a key of the token\'s static_jwks' : e.message}`, { cause: err });
  }
  const k8s = payload['kubernetes.io'] as { pod?: { name?: string } } | undefined;
  if (!k8s?.pod?.name) throw new AccessDeniedError('static_jwks joining needs a projected service account token bound to a pod');
  if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') throw new AccessDeniedError('static_jwks joining needs a service account token with exp and iat');
  if (payload.exp - payload.iat > MAX_STATIC_TTL_S) throw new AccessDeniedError('static_jwks joining needs a service account token that lives at most 30 minutes (expirationSeconds)');
  return payload.sub ?? '';
}

/** The `kubernetes` section of a token spec. */
interface KubernetesSpec {
  type?: string;
  static_jwks?: { jwks?: string };
  allow?: { service_account?: string }[];
}

/**
 * Checks a Kubernetes join of `req` with `token` and returns the service account's user name
 * (`system:serviceaccount:ns:name`). Throws AccessDeniedError saying which check failed.
 */
export async function checkKubernetesJoin(
  token: ProvisionToken,
  req: RegisterRequest,
  o: { clock: Clock; clusterName: string; options: KubernetesJoinOptions },
): Promise<string> {
  if (!req.id_token) throw new BadParameterError('the Kubernetes join method needs the service account token (id_token)');
  const spec = (token.spec.kubernetes ?? {}) as KubernetesSpec;
  const username = spec.type === 'static_jwks' ? await staticJWKS(req.id_token, spec.static_jwks?.jwks ?? '', o.clusterName, o.clock) : await inCluster(req.id_token, o.options);
  if (!(spec.allow ?? []).some((r) => `${SA_PREFIX}${r.service_account}` === username)) {
    throw new AccessDeniedError(`the Kubernetes service account "${username.replace(SA_PREFIX, '')}" matches no allow rule of token "${token.metadata.name}"`);
  }
  return username;
}
