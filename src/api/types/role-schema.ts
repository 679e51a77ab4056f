/**
 * The role resource (`kind: role`, v3–v7): TypeScript shape and zod schema. Keys of `spec`, `options`,
 * `allow` and `deny` are checked strictly against Teleport's RoleSpecV6 (types.proto); nested policy
 * objects (request, review_requests, join_sessions, ...) are kept as given.
 */
import { z } from 'zod';
import type { LabelSelector, Resource } from './metadata.js';
import { boolSchema, durationSchema, headerShape, labelSelectorSchema, stringListSchema } from './metadata.js';

/** Role versions we accept. */
export const ROLE_VERSIONS = ['v3', 'v4', 'v5', 'v6', 'v7'] as const;
/** One of ROLE_VERSIONS. */
export type RoleVersion = (typeof ROLE_VERSIONS)[number];

/** A `rules` entry: resource kinds, verbs, optional where-expression and actions. */
export interface Rule {
  resources: string[];
  verbs: string[];
  where?: string;
  actions?: string[];
}

/** A `kubernetes_resources` entry. */
export interface KubernetesResource {
  kind?: string;
  namespace?: string;
  name?: string;
  verbs?: string[];
}

/** `allow`/`deny` conditions. `namespaces` is internal (Teleport does not serialise it). */
export interface RoleConditions {
  logins?: string[];
  namespaces?: string[];
  node_labels?: LabelSelector;
  rules?: Rule[];
  kubernetes_groups?: string[];
  kubernetes_users?: string[];
  request?: Record<string, unknown>;
  app_labels?: LabelSelector;
  cluster_labels?: LabelSelector;
  kubernetes_labels?: LabelSelector;
  db_labels?: LabelSelector;
  db_names?: string[];
  db_users?: string[];
  db_roles?: string[];
  impersonate?: { users?: string[]; roles?: string[]; where?: string };
  review_requests?: Record<string, unknown> & { where?: string };
  aws_role_arns?: string[];
  azure_identities?: string[];
  gcp_service_accounts?: string[];
  windows_desktop_logins?: string[];
  windows_desktop_labels?: LabelSelector;
  require_session_join?: Record<string, unknown>[];
  join_sessions?: Record<string, unknown>[];
  host_groups?: string[];
  host_sudoers?: string[];
  desktop_groups?: string[];
  kubernetes_resources?: KubernetesResource[];
  db_service_labels?: LabelSelector;
  group_labels?: LabelSelector;
  workload_identity_labels?: LabelSelector;
  node_labels_expression?: string;
  app_labels_expression?: string;
  cluster_labels_expression?: string;
  kubernetes_labels_expression?: string;
  db_labels_expression?: string;
  db_service_labels_expression?: string;
  windows_desktop_labels_expression?: string;
  group_labels_expression?: string;
  workload_identity_labels_expression?: string;
  db_permissions?: Record<string, unknown>[];
  spiffe?: Record<string, unknown>[];
  account_assignments?: Record<string, unknown>[];
  github_permissions?: Record<string, unknown>[];
}

/** Role options. Durations are Go strings (`30h0m0s`); use roleMaxSessionTTLms() and friends for numbers. */
export interface RoleOptions {
  forward_agent?: boolean;
  max_session_ttl?: string;
  port_forwarding?: boolean;
  ssh_port_forwarding?: { local?: { enabled?: boolean }; remote?: { enabled?: boolean } };
  cert_format?: string;
  client_idle_timeout?: string;
  disconnect_expired_cert?: boolean;
  enhanced_recording?: string[];
  permit_x11_forwarding?: boolean;
  max_connections?: number;
  max_sessions?: number;
  max_kubernetes_connections?: number;
  request_access?: string;
  request_prompt?: string;
  lock?: string;
  record_session?: { desktop?: boolean; default?: string; ssh?: string };
  desktop_clipboard?: boolean;
  desktop_directory_sharing?: boolean;
  cert_extensions?: { type?: string; mode?: string; name: string; value: string }[];
  create_host_user?: boolean;
  pin_source_ip?: boolean;
  ssh_file_copy?: boolean;
  require_session_mfa?: boolean | string;
  device_trust_mode?: string;
  idp?: { saml?: { enabled?: boolean } };
  create_desktop_user?: boolean;
  create_db_user?: boolean;
  create_host_user_mode?: string;
  create_db_user_mode?: string;
  mfa_verification_interval?: string;
  create_host_user_default_shell?: string;
}

/** The role spec. After validation `options`, `allow` and `deny` are always present. */
export interface RoleSpec {
  options: RoleOptions;
  allow: RoleConditions;
  deny: RoleConditions;
}

/** A validated role with version defaults applied. */
export type Role = Resource<'role', RoleSpec>;

const strList = z.array(z.string());
const loose = z.looseObject({});

const ruleSchema = z.strictObject({
  resources: stringListSchema.optional(),
  verbs: stringListSchema.optional(),
  where: z.string().optional(),
  actions: strList.optional(),
});

const kubeResourceSchema = z.strictObject({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  verbs: strList.optional(),
});

const conditionsSchema = z.strictObject({
  logins: strList.optional(),
  namespaces: strList.optional(),
  node_labels: labelSelectorSchema.optional(),
  rules: z.array(ruleSchema).optional(),
  kubernetes_groups: strList.optional(),
  kubernetes_users: strList.optional(),
  request: loose.optional(),
  app_labels: labelSelectorSchema.optional(),
  cluster_labels: labelSelectorSchema.optional(),
  kubernetes_labels: labelSelectorSchema.optional(),
  db_labels: labelSelectorSchema.optional(),
  db_names: strList.optional(),
  db_users: strList.optional(),
  db_roles: strList.optional(),
  impersonate: z
    .strictObject({ users: strList.optional(), roles: strList.optional(), where: z.string().optional() })
    .optional(),
  review_requests: loose.optional(),
  aws_role_arns: strList.optional(),
  azure_identities: strList.optional(),
  gcp_service_accounts: strList.optional(),
  windows_desktop_logins: strList.optional(),
  windows_desktop_labels: labelSelectorSchema.optional(),
  require_session_join: z.array(loose).optional(),
  join_sessions: z.array(loose).optional(),
  host_groups: strList.optional(),
  host_sudoers: strList.optional(),
  desktop_groups: strList.optional(),
  kubernetes_resources: z.array(kubeResourceSchema).optional(),
  db_service_labels: labelSelectorSchema.optional(),
  group_labels: labelSelectorSchema.optional(),
  workload_identity_labels: labelSelectorSchema.optional(),
  node_labels_expression: z.string().optional(),
  app_labels_expression: z.string().optional(),
  cluster_labels_expression: z.string().optional(),
  kubernetes_labels_expression: z.string().optional(),
  db_labels_expression: z.string().optional(),
  db_service_labels_expression: z.string().optional(),
  windows_desktop_labels_expression: z.string().optional(),
  group_labels_expression: z.string().optional(),
  workload_identity_labels_expression: z.string().optional(),
  db_permissions: z.array(loose).optional(),
  spiffe: z.array(loose).optional(),
  account_assignments: z.array(loose).optional(),
  github_permissions: z.array(loose).optional(),
});

const enabled = z.strictObject({ enabled: boolSchema.optional() });

const optionsSchema = z.strictObject({
  forward_agent: boolSchema.optional(),
  max_session_ttl: durationSchema.optional(),
  port_forwarding: boolSchema.optional(),
  ssh_port_forwarding: z.strictObject({ local: enabled.optional(), remote: enabled.optional() }).optional(),
  cert_format: z.enum(['standard', 'oldssh']).optional(),
  client_idle_timeout: durationSchema.optional(),
  disconnect_expired_cert: boolSchema.optional(),
  enhanced_recording: z.array(z.enum(['command', 'disk', 'network'])).optional(),
  permit_x11_forwarding: boolSchema.optional(),
  max_connections: z.number().int().nonnegative().optional(),
  max_sessions: z.number().int().nonnegative().optional(),
  max_kubernetes_connections: z.number().int().nonnegative().optional(),
  request_access: z.enum(['optional', 'reason', 'always', 'note']).optional(),
  request_prompt: z.string().optional(),
  lock: z.enum(['strict', 'best_effort']).optional(),
  record_session: z
    .strictObject({
      desktop: boolSchema.optional(),
      default: z.enum(['best_effort', 'strict']).optional(),
      ssh: z.enum(['best_effort', 'strict']).optional(),
    })
    .optional(),
  desktop_clipboard: boolSchema.optional(),
  desktop_directory_sharing: boolSchema.optional(),
  cert_extensions: z
    .array(
      z.strictObject({
        type: z.string().optional(),
        mode: z.string().optional(),
        name: z.string(),
        value: z.string(),
      }),
    )
    .optional(),
  create_host_user: boolSchema.optional(),
  pin_source_ip: boolSchema.optional(),
  ssh_file_copy: boolSchema.optional(),
  require_session_mfa: z.union([z.boolean(), z.string()]).optional(),
  device_trust_mode: z.enum(['off', 'optional', 'required', 'required-for-humans']).optional(),
  idp: z.strictObject({ saml: z.strictObject({ enabled: boolSchema.optional() }).optional() }).optional(),
  create_desktop_user: boolSchema.optional(),
  create_db_user: boolSchema.optional(),
  create_host_user_mode: z.enum(['off', 'drop', 'keep', 'insecure-drop']).optional(),
  create_db_user_mode: z.enum(['off', 'keep', 'best_effort_drop']).optional(),
  mfa_verification_interval: durationSchema.optional(),
  create_host_user_default_shell: z.string().optional(),
});

/** zod schema of a role document before version defaults (strict on spec/options/allow/deny keys). */
export const roleSchema = z.strictObject({
  ...headerShape('role', ROLE_VERSIONS),
  spec: z
    .strictObject({
      options: optionsSchema.optional(),
      allow: conditionsSchema.optional(),
      deny: conditionsSchema.optional(),
    })
    .optional(),
});
