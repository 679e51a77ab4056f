/** The `auth_service:` section: listener, cluster name, static tokens, authentication preference. */
import type { Node } from 'yaml';
import {
  addr,
  auditEventsUri,
  auditSessionsUri,
  bool,
  duration,
  fields,
  int,
  list,
  oneOf,
  oneOrMany,
  str,
  type Fields,
  type Reader,
  type SourceContext,
} from './read.js';
import { BIND_IP, PORTS, SYSTEM_ROLES } from './defaults.js';
import type { AuthenticationConfig, AuthServiceConfig, StaticToken } from './types.js';

const KEYS = [
  'enabled',
  'listen_addr',
  'public_addr',
  'cluster_name',
  'tokens',
  'authentication',
  'session_recording',
  'proxy_checks_host_keys',
  'client_idle_timeout',
  'client_idle_timeout_message',
  'web_idle_timeout',
  'session_control_timeout',
  'disconnect_expired_cert',
  'keep_alive_interval',
  'keep_alive_count_max',
  'license_file',
  'message_of_the_day',
  'proxy_listener_mode',
  'audit_events_uri',
  'audit_sessions_uri',
] as const;

const AUTHN_KEYS = [
  'type',
  'second_factor',
  'webauthn',
  'connector_name',
  'require_session_mfa',
  'local_auth',
  'disconnect_expired_cert',
  'locking_mode',
  'message_of_the_day',
  'default_session_ttl',
] as const;

/** What `auth_service:` yields: its config, its `enabled:` if written, and audit URIs written here. */
export interface AuthSection {
  config: AuthServiceConfig;
  enabled?: boolean;
  auditEventsUri?: string[];
  auditSessionsUri?: string;
}

/** Read `auth_service:` (absent: all defaults). */
export function readAuth(node: Node | null, ctx: SourceContext): AuthSection {
  const f = fields(node, 'auth_service', ctx, KEYS);
  const disconnect = f.get('disconnect_expired_cert', bool);
  const motd = f.get('message_of_the_day', str) || undefined;
  const authentication = readAuthentication(f);
  if (f.has('license_file')) {
    f.fail('license_file', 'license_file is read by Teleport Enterprise; this release has no licensed features to unlock: remove it');
  }
  return {
    enabled: f.get('enabled', bool),
    auditEventsUri: f.get('audit_events_uri', oneOrMany(auditEventsUri)),
    auditSessionsUri: f.get('audit_sessions_uri', auditSessionsUri) || undefined,
    config: {
      listenAddr: f.get('listen_addr', addr(PORTS.auth)) ?? { host: BIND_IP, port: PORTS.auth },
      publicAddrs: f.get('public_addr', oneOrMany(addr(PORTS.auth))) ?? [],
      clusterName: f.get('cluster_name', str) || undefined,
      tokens: f.get('tokens', list(staticToken)) ?? [],
      authentication: {
        ...authentication,
        messageOfTheDay: authentication.messageOfTheDay ?? motd,
        disconnectExpiredCert: authentication.disconnectExpiredCert ?? disconnect,
      },
      sessionRecording:
        f.get('session_recording', oneOf(['node', 'node-sync', 'proxy', 'proxy-sync', 'off'] as const)) ?? 'node',
      proxyChecksHostKeys: f.get('proxy_checks_host_keys', bool) ?? true,
      disconnectExpiredCert: disconnect ?? authentication.disconnectExpiredCert ?? false,
      networking: definedOnly({
        clientIdleTimeout: f.get('client_idle_timeout', duration),
        idleTimeoutMessage: f.get('client_idle_timeout_message', str),
        keepAliveInterval: f.get('keep_alive_interval', duration),
        keepAliveCountMax: f.get('keep_alive_count_max', int()),
        sessionControlTimeout: f.get('session_control_timeout', duration),
        webIdleTimeout: f.get('web_idle_timeout', duration),
      }),
      messageOfTheDay: motd ?? authentication.messageOfTheDay,
      proxyListenerMode: f.get('proxy_listener_mode', oneOf(['separate', 'multiplex'] as const)) ?? 'separate',
    },
  };
}

const ROLE_BY_LOWER = new Map<string, string>(SYSTEM_ROLES.map((r) => [r.toLowerCase(), r]));

/**
 * Parse comma-separated Teleport roles case-insensitively into canonical names (`node` → `Node`).
 * Throws a plain Error naming the unknown role; callers add the location.
 */
export function parseSystemRoles(text: string): string[] {
  const roles = text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (roles.length === 0) throw new Error('no roles given');
  return roles.map((r) => {
    const canonical = ROLE_BY_LOWER.get(r.toLowerCase());
    if (!canonical) throw new Error(`unknown role "${r}"; expected one of: ${SYSTEM_ROLES.join(', ')}`);
    return canonical;
  });
}

const staticToken: Reader<StaticToken> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  const colon = text.indexOf(':');
  if (colon < 0) ctx.fail(node, path, `invalid static token "${text}"; expected "roles:token", as in "node,proxy:abc123"`);
  const token = text.slice(colon + 1).trim();
  if (token === '') ctx.fail(node, path, `static token "${text}" has an empty token after ":"`);
  try {
    return { roles: parseSystemRoles(text.slice(0, colon)), token };
  } catch (err) {
    return ctx.fail(node, path, (err as Error).message, err);
  }
};

const MFA_MODES = [
  'hardware_key',
  'hardware_key_touch',
  'hardware_key_pin',
  'hardware_key_touch_and_pin',
  'session',
  'session_and_hardware_key',
] as const;

const requireMfa: Reader<boolean | string> = (node, path, ctx) => {
  const text = str(node, path, ctx);
  const mode = MFA_MODES.find((m) => m === text);
  if (mode) return mode;
  try {
    return bool(node, path, ctx);
  } catch (err) {
    return ctx.fail(node, path, `unsupported value "${text}"; expected yes, no or one of: ${MFA_MODES.join(', ')}`, err);
  }
};

/** Why attestation CA lists are refused rather than stored and ignored. */
const ATTESTATION_REFUSAL = 'security keys are registered without checking their attestation certificates in this release';

function readAuthentication(f: Fields): AuthenticationConfig {
  const a = f.section('authentication', AUTHN_KEYS);
  let webauthn: AuthenticationConfig['webauthn'];
  if (a.has('webauthn')) {
    const w = a.section('webauthn', ['rp_id', 'attestation_allowed_cas', 'attestation_denied_cas', 'disabled']);
    if (w.get('disabled', bool)) w.fail('disabled', 'disabled has no effect in this release: to turn WebAuthn off, set second_factor to otp or off');
    for (const key of ['attestation_allowed_cas', 'attestation_denied_cas'] as const) {
      if ((w.get(key, list(str)) ?? []).length > 0) w.fail(key, `${ATTESTATION_REFUSAL}; remove it`);
    }
    webauthn = { rpId: w.get('rp_id', str) || undefined };
  }
  return {
    fromFile: f.has('authentication'),
    type: a.get('type', oneOf(['local', 'github', 'oidc', 'saml'] as const)) ?? 'local',
    secondFactor: a.get('second_factor', oneOf(['off', 'otp', 'on', 'optional', 'webauthn'] as const)) ?? 'otp',
    webauthn,
    connectorName: a.get('connector_name', str) || undefined,
    requireSessionMfa: a.get('require_session_mfa', requireMfa) ?? false,
    localAuth: a.get('local_auth', bool) ?? true,
    disconnectExpiredCert: a.get('disconnect_expired_cert', bool),
    lockingMode: a.get('locking_mode', oneOf(['best_effort', 'strict'] as const)) ?? 'best_effort',
    messageOfTheDay: a.get('message_of_the_day', str) || undefined,
    defaultSessionTtl: a.get('default_session_ttl', duration),
  };
}

/** The object without its undefined values (keys not written in the file). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
