/**
 * The provision token resource (`kind: token`, `version: v2`): the token value is `metadata.name`, its TTL
 * is `metadata.expires`. Per-join-method objects (github, kubernetes, azure, circleci, gcp, ...) are kept as given.
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { checkHeader, durationSchema, headerShape, parseWith } from './metadata.js';

/** An EC2/IAM allow rule. */
export interface TokenRule {
  aws_account?: string;
  aws_regions?: string[];
  aws_role?: string;
  aws_arn?: string;
}

/** The token spec. `aws_iid_ttl` is a Go duration string. */
export interface TokenSpec {
  roles: string[];
  join_method: string;
  allow?: TokenRule[];
  aws_iid_ttl?: string;
  bot_name?: string;
  suggested_labels?: Record<string, string[] | string>;
  suggested_agent_matcher_labels?: Record<string, string[] | string>;
  [method: string]: unknown;
}

/** A validated provision token. */
export type ProvisionToken = Resource<'token', TokenSpec>;

/** Token versions we accept. */
export const TOKEN_VERSIONS = ['v2'] as const;

/** System roles a token may grant, in Teleport's canonical spelling. */
export const SYSTEM_ROLES: readonly string[] = [
  'Auth', 'Node', 'Proxy', 'Kube', 'App', 'Db', 'WindowsDesktop', 'Discovery', 'Bot', 'Instance',
  'RemoteProxy', 'Admin', 'Signup', 'Trusted_cluster', 'MDM', 'Okta',
];

/** Join methods Teleport knows. */
export const JOIN_METHODS: readonly string[] = [
  'token', 'ec2', 'iam', 'github', 'circleci', 'kubernetes', 'azure', 'gcp', 'gitlab', 'spacelift', 'tpm',
  'terraform_cloud', 'bitbucket', 'oracle', 'azure_devops', 'bound_keypair',
];

/** zod schema of a token document. */
export const tokenSchema = z.strictObject({
  ...headerShape('token', TOKEN_VERSIONS),
  spec: z.looseObject({
    roles: z.array(z.string()).min(1, 'a token needs at least one role'),
    join_method: z.string().optional(),
    allow: z
      .array(
        z.strictObject({
          aws_account: z.string().optional(),
          aws_regions: z.array(z.string()).optional(),
          aws_role: z.string().optional(),
          aws_arn: z.string().optional(),
        }),
      )
      .optional(),
    aws_iid_ttl: durationSchema.optional(),
    bot_name: z.string().optional(),
    suggested_labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    suggested_agent_matcher_labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  }),
});

/** Canonical spelling of a system role (`node` -> `Node`); throws BadParameterError for unknown ones. */
export function canonicalSystemRole(role: string): string {
  const found = SYSTEM_ROLES.find((r) => r.toLowerCase() === role.toLowerCase());
  if (!found) throw new BadParameterError(`spec.roles: unknown system role "${role}" (known: ${SYSTEM_ROLES.join(', ')})`);
  return found;
}

/**
 * Validate a token document: roles canonicalised, `join_method` defaults to `token`, `ec2`/`iam` need
 * `allow` rules, a `Bot` token needs `bot_name`. Throws BadParameterError naming the field.
 */
export function validateToken(input: unknown): ProvisionToken {
  checkHeader(input, 'token', TOKEN_VERSIONS);
  const t = parseWith<ProvisionToken>(tokenSchema, structuredClone(input), 'token');
  const spec = t.spec;
  spec.roles = spec.roles.map(canonicalSystemRole);
  spec.join_method = spec.join_method || 'token';
  if (!JOIN_METHODS.includes(spec.join_method)) {
    throw new BadParameterError(`spec.join_method: unknown join method "${spec.join_method}" (known: ${JOIN_METHODS.join(', ')})`);
  }
  if ((spec.join_method === 'ec2' || spec.join_method === 'iam') && (spec.allow ?? []).length === 0) {
    throw new BadParameterError(`spec.allow: the "${spec.join_method}" join method needs at least one allow rule`);
  }
  (spec.allow ?? []).forEach((r, i) => {
    // A rule without these would let any AWS account (or any identity in it) join.
    if (spec.join_method === 'ec2' && !r.aws_account) throw new BadParameterError(`spec.allow[${i}].aws_account: an ec2 allow rule needs the AWS account`);
    if (spec.join_method === 'iam' && !r.aws_account && !r.aws_arn) throw new BadParameterError(`spec.allow[${i}]: an iam allow rule needs aws_account or aws_arn`);
  });
  if (spec.join_method === 'ec2') spec.aws_iid_ttl ??= '5m0s';
  if (spec.join_method === 'kubernetes') spec.kubernetes = validateKubernetesSpec(spec.kubernetes);
  if (spec.roles.includes('Bot') && !spec.bot_name) {
    throw new BadParameterError('spec.bot_name: a token with the Bot role needs bot_name');
  }
  return t;
}

/** The `kubernetes` object of a token with `join_method: kubernetes`. */
export interface KubernetesTokenSpec {
  /** `in_cluster` (TokenReview by the API server auth runs in, the default) or `static_jwks`. */
  type: 'in_cluster' | 'static_jwks';
  /** The JWKS (JSON text) of the cluster's service account issuer, for `static_jwks`. */
  static_jwks?: { jwks: string };
  /** Service accounts allowed to join, `namespace:name`. */
  allow: { service_account: string }[];
}

const kubernetesSchema = z.strictObject({
  type: z.enum(['in_cluster', 'static_jwks']).optional(),
  static_jwks: z.strictObject({ jwks: z.string() }).optional(),
  allow: z.array(z.strictObject({ service_account: z.string() })).optional(),
});

function validateKubernetesSpec(input: unknown): KubernetesTokenSpec {
  const parsed = kubernetesSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadParameterError(`spec.kubernetes${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`);
  }
  const k = parsed.data;
  const type = k.type ?? 'in_cluster';
  const allow = k.allow ?? [];
  if (allow.length === 0) throw new BadParameterError('spec.kubernetes.allow: the kubernetes join method needs at least one allow rule (service_account: "namespace:name")');
  allow.forEach((r, i) => {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(r.service_account)) {
      throw new BadParameterError(`spec.kubernetes.allow[${i}].service_account: "${r.service_account}" is not "namespace:name"`);
    }
  });
  if (type === 'static_jwks') {
    const jwks = k.static_jwks?.jwks ?? '';
    let keys: unknown;
    try {
      keys = (JSON.parse(jwks) as { keys?: unknown }).keys;
    } catch {
      throw new BadParameterError('spec.kubernetes.static_jwks.jwks: not JSON; give the JWKS of the cluster\'s service account issuer (kubectl get --raw /openid/v1/jwks)');
    }
    if (!Array.isArray(keys) || keys.length === 0) throw new BadParameterError('spec.kubernetes.static_jwks.jwks: the JWKS has no keys');
    return { type, static_jwks: { jwks }, allow };
  }
  if (k.static_jwks) throw new BadParameterError('spec.kubernetes.static_jwks: only for type: static_jwks');
  return { type, allow };
}
