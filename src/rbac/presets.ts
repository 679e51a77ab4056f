/**
 * Preset roles created at auth start when absent (facts §3.2): `access`, `editor`, `auditor` (v7) and the
 * legacy `admin` (v3). Each carries the label `teleport.internal/resource-type: preset`.
 */
import { randomUUID } from 'node:crypto';
import type { Role, Rule } from '../api/types/index.js';
import { VERBS_RO, VERBS_RW, newRole } from '../api/types/index.js';

/** Label key/value marking a preset role. */
export const PRESET_LABEL = { 'teleport.internal/resource-type': 'preset' } as const;

/** Names of the preset roles, in creation order. */
export const PRESET_ROLE_NAMES = ['access', 'editor', 'auditor', 'admin'] as const;

/** Kinds the editor role manages (RW). */
export const EDITOR_RW_KINDS: readonly string[] = [
  'user', 'role', 'bot', 'oidc', 'saml', 'github', 'oidc_request', 'saml_request', 'github_request',
  'cluster_audit_config', 'cluster_auth_preference', 'auth_connector', 'cluster_name', 'cluster_networking_config',
  'session_recording_config', 'ui_config', 'trusted_cluster', 'remote_cluster', 'token', 'connection_diagnostic',
  'db', 'database_certificate', 'installer', 'login_rule', 'saml_idp_service_provider', 'user_group', 'plugin',
  'okta_import_rule', 'okta_assignment', 'lock', 'billing', 'cluster_alert', 'access_list', 'node',
  'discovery_config', 'access_graph', 'server_info', 'access_monitoring_rule', 'app_server', 'vnet_config',
  'bot_instance', 'cert_authority',
];

const ro = (...resources: string[]): Rule => ({ resources, verbs: [...VERBS_RO] });
const rw = (...resources: string[]): Rule => ({ resources, verbs: [...VERBS_RW] });
const ALL = { '*': ['*'] };

const V7_OPTIONS = {
  cert_format: 'standard',
  max_session_ttl: '30h0m0s',
  forward_agent: true,
  port_forwarding: true,
  enhanced_recording: ['command', 'network'],
};

function accessRole(): Role {
  return newRole(
    'access',
    {
      options: { ...V7_OPTIONS, record_session: { desktop: true } },
      allow: {
        logins: ['{{internal.logins}}'],
        windows_desktop_logins: ['{{internal.windows_logins}}'],
        node_labels: ALL,
        app_labels: ALL,
        kubernetes_labels: ALL,
        windows_desktop_labels: ALL,
        db_labels: ALL,
        db_service_labels: ALL,
        db_names: ['{{internal.db_names}}'],
        db_users: ['{{internal.db_users}}'],
        db_roles: ['{{internal.db_roles}}'],
        kubernetes_groups: ['{{internal.kubernetes_groups}}'],
        kubernetes_users: ['{{internal.kubernetes_users}}'],
        aws_role_arns: ['{{internal.aws_role_arns}}'],
        azure_identities: ['{{internal.azure_identities}}'],
        gcp_service_accounts: ['{{internal.gcp_service_accounts}}'],
        kubernetes_resources: [{ kind: '*', namespace: '*', name: '*', verbs: ['*'] }],
        rules: [
          ro('event'),
          { resources: ['session'], verbs: ['read', 'list'], where: 'contains(session.participants, user.metadata.name)' },
          ro('instance'),
          ro('cluster_maintenance_config'),
        ],
      },
    },
    { labels: { ...PRESET_LABEL }, description: 'Access cluster resources' },
  );
}

function editorRole(): Role {
  return newRole(
    'editor',
    {
      options: { ...V7_OPTIONS, record_session: { desktop: false } },
      allow: {
        rules: [
          rw(...EDITOR_RW_KINDS),
          { resources: ['device'], verbs: [...VERBS_RW, 'create_enroll_token', 'enroll'] },
          { resources: ['integration', 'security_report', 'audit_query'], verbs: [...VERBS_RW, 'use'] },
          ro('db_service', 'instance'),
        ],
      },
    },
    { labels: { ...PRESET_LABEL }, description: 'Edit cluster configuration' },
  );
}

function auditorRole(uuid: () => string): Role {
  return newRole(
    'auditor',
    {
      options: { ...V7_OPTIONS, record_session: { desktop: false } },
      allow: {
        logins: [`no-login-${uuid()}`],
        rules: [
          ro('session', 'event', 'session_tracker', 'cluster_alert', 'instance', 'bot_instance', 'notification'),
          { resources: ['security_report', 'audit_query'], verbs: [...VERBS_RO, 'use'] },
        ],
      },
    },
    { labels: { ...PRESET_LABEL }, description: 'Review cluster events and replay sessions' },
  );
}

function adminRole(): Role {
  return newRole(
    'admin',
    {
      options: { ...V7_OPTIONS },
      allow: {
        logins: ['{{internal.logins}}', 'root'],
        node_labels: ALL,
        app_labels: ALL,
        kubernetes_labels: ALL,
        db_labels: ALL,
        db_names: ['{{internal.db_names}}'],
        db_users: ['{{internal.db_users}}'],
        kubernetes_groups: ['{{internal.kubernetes_groups}}'],
        kubernetes_users: ['{{internal.kubernetes_users}}'],
        rules: [rw('role', 'auth_connector', 'trusted_cluster', 'user', 'token'), ro('session', 'event')],
      },
    },
    { version: 'v3', labels: { ...PRESET_LABEL }, description: 'Legacy administrator role' },
  );
}

/**
 * The preset roles: access, editor, auditor (v7) and the legacy admin (v3). The auditor's only login is
 * `no-login-<uuid>` so it cannot open SSH sessions; pass `uuid` to make it deterministic in tests.
 */
export function presetRoles(opts: { uuid?: () => string } = {}): Role[] {
  return [accessRole(), editorRole(), auditorRole(opts.uuid ?? randomUUID), adminRole()];
}
