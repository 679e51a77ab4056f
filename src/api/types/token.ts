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
  if (spec.join_method === 'ec2') spec.aws_iid_ttl ??= '5m0s';
  if (spec.roles.includes('Bot') && !spec.bot_name) {
    throw new BadParameterError('spec.bot_name: a token with the Bot role needs bot_name');
  }
  return t;
}
