// Every teleport.yaml key the reader accepts, and every `teleport start` flag, either acts (named
// here: the test that shows it acting) or is refused with a message (checked here, or named). The
// key list is not written by hand: it is a census of what parseConfig accepts (ParseOptions.onKeys)
// over configs that visit every section, so a key added to any KEYS list without an entry fails.
// A key still read without effect is `unsettled`, with the reason; the README lists them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startCommand } from '../cli/teleport/start.js';
import { plan } from '../service/service-table.js';
import { checkConfigOnHost } from './host-check.js';
import { parseConfig } from './parse.js';

type Proof =
  /** Acts: `file` (from the repository root) holds `shows`, the test (title or case) that proves it. */
  | { acts: string; shows: string }
  /** Refused at load: `yaml` fails naming the key (or `path`, for a list item) and `line`, with `says`. */
  | { refused: string; line: number; says: RegExp; path?: string }
  /** Refused at start: the service table refuses the section `yaml` enables, with `says`. */
  | { startRefuses: string; says: RegExp }
  /** Refused at start: the host check (`teleport start`) refuses `yaml` naming the key's line, with `says`. */
  | { hostRefuses: string; line: number; says: RegExp; path: string }
  /** Refused, as proven by the named test (at start, or by a reader owned elsewhere). */
  | { refusedIn: string; shows: string }
  /** Read and not acting yet: why. */
  | { unsettled: string };

const acts = (file: string, shows: string): Proof => ({ acts: file, shows });
const refusedIn = (file: string, shows: string): Proof => ({ refusedIn: file, shows });
const refused = (yaml: string, line: number, says: RegExp): Proof => ({ refused: yaml, line, says });
const unsettled = (why: string): Proof => ({ unsettled: why });
const hostRefuses = (yaml: string, line: number, path: string, says: RegExp): Proof => ({ hostRefuses: yaml, line, path, says });
/** A feature of a running service that this release lacks: switching it on is refused; while off its settings are inert, as a disabled service's. */
const feature = (section: string, name: string, keys: string[], says: RegExp): Record<string, Proof> =>
  Object.fromEntries(['enabled', ...keys].map((k) => [`${section}.${name}.${k}`, hostRefuses(`${section}:\n  enabled: yes\n  ${name}:\n    enabled: yes\n`, 4, `${section}.${name}.enabled`, says)]));

const PARSE = 'src/config/parse.test.ts';
const KEY_ACTS = 'src/config/key-acts.test.ts';
const CLUSTER_KEYS = 'test/config-keys-act.test.ts';
const STORAGE = 'src/config/section-storage.test.ts';
const STORAGE_KEYS = 'src/service/storage-keys.test.ts';
const SPEC = 'src/service/storage.test.ts';
const PROC = 'test/teleport-process.test.ts';
const NET = 'test/networking-config.test.ts';
const LATER = (section: string): Proof => ({ startRefuses: `${section}:\n  enabled: yes\n`, says: new RegExp(`^${section}: not available in this release yet; disable it`) });
const DB_LATER = /is not supported by this release yet; remove it/;
const laterSection = (section: string, keys: string[]): Record<string, Proof> =>
  Object.fromEntries(['enabled', ...keys].map((k) => [`${section}.${k}`, LATER(section)]));

/** One entry per key path (list items as `[]`). */
const PROOFS: Record<string, Proof> = {
  version: acts(PARSE, 'v3 keeps Teleport'),
  'teleport.nodename': acts('test/node-join.test.ts', "nodename: 'node-2'"),
  'teleport.data_dir': acts('test/node-join.test.ts', 'restarts from its data dir without a token'),
  'teleport.pid_file': acts(PROC, 'writes the pid file and the admin identity'),
  'teleport.auth_token': acts('test/node-join.test.ts', 'joins with a token and the CA pin'),
  'teleport.auth_servers': acts('test/reverse-tunnel.test.ts', 'detects a proxy given as auth_servers (config v2) and joins through it'),
  'teleport.auth_server': acts('src/service/service-table.test.ts', 'auth_server'),
  'teleport.proxy_server': acts('test/proxy-web-port.test.ts', 'a node with proxy_server = the web address serves through teleport-reversetunnel'),
  'teleport.join_params.token_name': acts(CLUSTER_KEYS, 'a v3 node joins with join_params method token through proxy_server'),
  'teleport.join_params.method': acts('test/join-ec2.test.ts', 'then a v3 node joins with join_params and no secret'),
  'teleport.ca_pin': acts('test/node-join.test.ts', 'refuses to join an auth server that does not match the CA pin'),
  'teleport.advertise_ip': acts('src/node/node-heartbeat.test.ts', 'announces the advertise address when given'),
  'teleport.diag_addr': acts(PROC, 'serves /healthz, /readyz and /metrics on the diag address'),
  'teleport.cache.enabled': unsettled('proxies and agents always keep their watch-fed cache'),
  'teleport.cache.type': unsettled('the cache is always in memory'),
  'teleport.cache.ttl': unsettled('cache entries live until a watch event replaces them'),
  'teleport.cache.max_backoff': unsettled('the cache reconnects with its own fixed backoff'),
  'teleport.connection_limits.max_connections': acts('src/node/node-limits.test.ts', 'refuses the third concurrent connection from 127.0.0.1 with max_connections: 2'),
  'teleport.connection_limits.max_users': acts('src/node/node-limits.test.ts', 'refuses a second user while the first is connected with max_users: 1'),
  'teleport.connection_limits.rates[].period': acts('src/proxy/web/limits.test.ts', 'answers 429 past the rate of a client IP'),
  'teleport.connection_limits.rates[].average': acts('src/proxy/web/limits.test.ts', 'answers 429 past the rate of a client IP'),
  'teleport.connection_limits.rates[].burst': acts('src/proxy/web/limits.test.ts', 'answers 429 past the rate of a client IP'),
  'teleport.log.output': acts(PARSE, 'log severity is case-insensitive and output aliases map'),
  'teleport.log.severity': acts(PARSE, 'log severity is case-insensitive and output aliases map'),
  'teleport.log.format.output': acts(PARSE, 'log severity is case-insensitive and output aliases map'),
  'teleport.log.format.extra_fields': acts('src/log/logger.test.ts', 'json lines leave out the timestamp, level and component not listed'),
  'teleport.shutdown_delay': acts('src/cli/teleport/shutdown-delay.test.ts', 'shutdown_delay keeps the process serving after SIGTERM, and a second SIGTERM stops it now'),
  'teleport.ciphers': acts('test/ssh-algorithms.test.ts', 'are all the proxy and the node offer'),
  'teleport.kex_algos': acts('test/ssh-algorithms.test.ts', 'are all the proxy and the node offer'),
  'teleport.mac_algos': acts('test/ssh-algorithms.test.ts', 'are all the proxy and the node offer'),
  'teleport.kex_algorithms': acts(KEY_ACTS, 'kex_algorithms and mac_algorithms are read as kex_algos and mac_algos'),
  'teleport.mac_algorithms': acts(KEY_ACTS, 'kex_algorithms and mac_algorithms are read as kex_algos and mac_algos'),
  'teleport.ciphersuites': acts('test/tls-ciphersuites.test.ts', 'offers the listed suites instead of the defaults on the web and auth ports'),
  'teleport.ca_signature_algo': refused('teleport:\n  ca_signature_algo: rsa-sha2-256\n', 2, /has no effect in this release: certificate authorities sign with the algorithm of their key/),

  'teleport.storage.type': acts(SPEC, 'maps etcd settings'),
  'teleport.storage.path': acts(SPEC, 'puts SQLite at <path>/sqlite.db by default'),
  'teleport.storage.audit_events_uri': acts('src/service/audit-service.test.ts', 'postgresql:// first, then file://: events land in both'),
  'teleport.storage.audit_sessions_uri': acts('test/recordings-storage.test.ts', 'stores the recording in the bucket under the prefix and plays it back from there'),
  'teleport.storage.sync': acts(STORAGE_KEYS, 'sync: %s is PRAGMA synchronous %i on the backend connection'),
  'teleport.storage.journal': acts(STORAGE_KEYS, 'journal: DELETE keeps no -wal file'),
  'teleport.storage.buffer_size': acts(STORAGE_KEYS, 'buffer_size: a watcher more than buffer_size events behind is dropped'),
  'teleport.storage.poll_stream_period': acts(SPEC, 'maps dynamodb settings'), // DynamoDB's; refused for sqlite:
  'teleport.storage.retention_period': refused('teleport:\n  storage:\n    retention_period: 1h\n', 3, /no effect on this SQLite store/),
  'teleport.storage.conn_string': acts(SPEC, 'maps postgresql settings'),
  'teleport.storage.auth_mode': refusedIn(STORAGE, "['azure auth'"),
  'teleport.storage.azure_client_id': refused('teleport:\n  storage:\n    type: postgresql\n    conn_string: postgresql://db/x\n    azure_client_id: x\n', 5, /needs auth_mode azure, which is not available/),
  'teleport.storage.gcp_connection_name': refused('teleport:\n  storage:\n    type: postgresql\n    conn_string: postgresql://db/x\n    gcp_connection_name: p:r:i\n', 5, /needs auth_mode gcp-cloudsql/),
  'teleport.storage.gcp_ip_type': refused('teleport:\n  storage:\n    type: postgresql\n    conn_string: postgresql://db/x\n    gcp_ip_type: private\n', 5, /needs auth_mode gcp-cloudsql/),
  'teleport.storage.change_feed_conn_string': acts(SPEC, 'maps postgresql settings'),
  'teleport.storage.change_feed_poll_interval': acts(SPEC, 'maps postgresql settings'),
  'teleport.storage.change_feed_batch_size': refusedIn(STORAGE, "['postgresql change_feed_batch_size'"),
  'teleport.storage.disable_expiry': acts(SPEC, 'maps postgresql settings'),
  'teleport.storage.expiry_interval': acts(SPEC, 'maps postgresql settings'),
  'teleport.storage.expiry_batch_size': refusedIn(STORAGE, "['postgresql expiry_batch_size'"),
  'teleport.storage.peers': acts(SPEC, 'maps etcd settings'),
  'teleport.storage.prefix': acts('src/backend/etcd/etcd.test.ts', 'stores keys under the prefix'),
  'teleport.storage.tls_cert_file': acts('src/backend/etcd/etcd.test.ts', 'connects with tls_ca_file, tls_cert_file and tls_key_file'),
  'teleport.storage.tls_key_file': acts('src/backend/etcd/etcd.test.ts', 'connects with tls_ca_file, tls_cert_file and tls_key_file'),
  'teleport.storage.tls_ca_file': acts('src/backend/etcd/etcd.test.ts', 'connects with tls_ca_file, tls_cert_file and tls_key_file'),
  'teleport.storage.insecure': acts('test/ha-failover-etcd.test.ts', 'insecure: true'),
  'teleport.storage.dial_timeout': acts('src/backend/etcd/etcd.test.ts', 'an unreachable cluster gives ConnectionProblemError within the dial timeout'),
  'teleport.storage.username': acts(SPEC, 'maps etcd settings and reads password_file'),
  'teleport.storage.password_file': acts(SPEC, 'maps etcd settings and reads password_file'),
  'teleport.storage.etcd_max_client_msg_size_bytes': acts(STORAGE_KEYS, 'etcd buffer_size and etcd_max_client_msg_size_bytes reach the backend'),
  'teleport.storage.client_pool_size': refusedIn(STORAGE, "['etcd client_pool_size'"),
  'teleport.storage.region': acts(SPEC, 'maps dynamodb settings'),
  'teleport.storage.table_name': acts(SPEC, 'maps dynamodb settings'),
  'teleport.storage.access_key': acts('src/service/audit-service.test.ts', 'access_key'),
  'teleport.storage.secret_key': acts('src/service/audit-service.test.ts', 'secret_key'),
  'teleport.storage.endpoint': acts(SPEC, 'maps dynamodb settings'),
  'teleport.storage.billing_mode': acts(STORAGE_KEYS, 'dynamodb provisioned capacity and continuous_backups reach the backend'),
  'teleport.storage.read_capacity_units': acts(STORAGE_KEYS, 'dynamodb provisioned capacity and continuous_backups reach the backend'),
  'teleport.storage.write_capacity_units': acts(STORAGE_KEYS, 'dynamodb provisioned capacity and continuous_backups reach the backend'),
  'teleport.storage.continuous_backups': acts(STORAGE_KEYS, 'dynamodb provisioned capacity and continuous_backups reach the backend'),
  'teleport.storage.retry_period': refusedIn(STORAGE, "['dynamodb retry_period'"),
  // On demand (the default) DynamoDB scales the table itself, which these ask for; Teleport accepts them there too.
  'teleport.storage.auto_scaling': refusedIn(STORAGE, "['provisioned auto scaling'"),
  'teleport.storage.read_min_capacity': refusedIn(STORAGE, "['provisioned read_min_capacity'"),
  'teleport.storage.read_max_capacity': refused(dynamoProvisioned('read_max_capacity: 9'), 6, /auto scaling policy, which is not available/),
  'teleport.storage.read_target_value': refused(dynamoProvisioned('read_target_value: 70'), 6, /auto scaling policy, which is not available/),
  'teleport.storage.write_min_capacity': refused(dynamoProvisioned('write_min_capacity: 1'), 6, /auto scaling policy, which is not available/),
  'teleport.storage.write_max_capacity': refused(dynamoProvisioned('write_max_capacity: 9'), 6, /auto scaling policy, which is not available/),
  'teleport.storage.write_target_value': refusedIn(STORAGE, "['provisioned write_target_value'"),

  'auth_service.enabled': acts('src/service/service-table.test.ts', 'starts only what is enabled'),
  'auth_service.listen_addr': acts('test/ha-failover.test.ts', 'listen_addr'),
  'auth_service.public_addr': acts(CLUSTER_KEYS, 'auth_service.public_addr is a name in the auth server'),
  'auth_service.cluster_name': acts('test/audit-log.test.ts', 'cluster_name'),
  'auth_service.tokens': acts('test/ha-failover.test.ts', 'tokens:'),
  'auth_service.audit_events_uri': acts(PARSE, 'takes audit URIs from storage, or from auth_service as older guides write them'),
  'auth_service.audit_sessions_uri': acts(PARSE, 'takes audit URIs from storage, or from auth_service as older guides write them'),
  'auth_service.session_recording': acts('test/recordings-storage.test.ts', 'records nothing, at the node or on the auth server'),
  'auth_service.proxy_listener_mode': acts('test/proxy-web-port.test.ts', 'proxy_listener_mode'),
  'auth_service.license_file': refused('auth_service:\n  license_file: /var/lib/teleport/license.pem\n', 2, /Teleport Enterprise/),
  'auth_service.disconnect_expired_cert': acts(CLUSTER_KEYS, 'auth_service.disconnect_expired_cert and message_of_the_day set the cluster auth preference'),
  'auth_service.message_of_the_day': acts(CLUSTER_KEYS, 'auth_service.disconnect_expired_cert and message_of_the_day set the cluster auth preference'),
  'auth_service.proxy_checks_host_keys': unsettled('session_recording_config is not served to proxies in this release'),
  'auth_service.client_idle_timeout': acts(NET, 'the node closes an idle session at client_idle_timeout with the configured message'),
  'auth_service.client_idle_timeout_message': acts(NET, 'the node closes an idle session at client_idle_timeout with the configured message'),
  'auth_service.web_idle_timeout': acts('test/web-idle-timeout.test.ts', 'keeps a user who uses the UI signed in'),
  'auth_service.session_control_timeout': acts(NET, 'max_connections holds across the cluster'),
  'auth_service.keep_alive_interval': acts('src/node/node-monitor.test.ts', 'disconnects a client that stops answering keep-alives'),
  'auth_service.keep_alive_count_max': acts('src/node/node-monitor.test.ts', 'disconnects a client that stops answering keep-alives'),
  'auth_service.authentication.type': acts(PROC, 'authentication: {type: local, second_factor: otp}'),
  'auth_service.authentication.second_factor': acts('test/web-login.test.ts', 'second_factor'),
  'auth_service.authentication.connector_name': acts('test/sso-github.test.ts', 'without --auth on a github cluster'),
  'auth_service.authentication.require_session_mfa': acts('test/webauthn-session-mfa.test.ts', 'refuses the login certificate alone at the node'),
  'auth_service.authentication.local_auth': acts(CLUSTER_KEYS, 'local_auth: false refuses password logins'),
  'auth_service.authentication.disconnect_expired_cert': acts('src/node/node-monitor.test.ts', 'disconnect_expired_cert'),
  'auth_service.authentication.locking_mode': unsettled('stored in cluster_auth_preference; no test shows it yet'),
  'auth_service.authentication.message_of_the_day': unsettled('stored in cluster_auth_preference; no test shows it yet'),
  'auth_service.authentication.default_session_ttl': acts(CLUSTER_KEYS, 'authentication.default_session_ttl is the TTL of user certificates issued without one asked for'),
  'auth_service.authentication.webauthn.rp_id': acts('test/webauthn-web.test.ts', 'rp_id: localhost'),
  'auth_service.authentication.webauthn.attestation_allowed_cas': refused('auth_service:\n  authentication:\n    webauthn:\n      attestation_allowed_cas: [/etc/ca.pem]\n', 4, /registered without checking their attestation certificates/),
  'auth_service.authentication.webauthn.attestation_denied_cas': refused('auth_service:\n  authentication:\n    webauthn:\n      attestation_denied_cas: [/etc/ca.pem]\n', 4, /registered without checking their attestation certificates/),
  'auth_service.authentication.webauthn.disabled': refused('auth_service:\n  authentication:\n    second_factor: on\n    webauthn:\n      rp_id: example.com\n      disabled: yes\n', 6, /set second_factor to otp or off/),

  'ssh_service.enabled': acts('src/service/service-table.test.ts', 'starts only what is enabled'),
  'ssh_service.listen_addr': acts('test/ssh-algorithms.test.ts', 'ssh_service'),
  'ssh_service.public_addr': acts(KEY_ACTS, 'ssh_service.public_addr is the address the proxy dials and the node announces'),
  'ssh_service.labels': acts('test/node-join.test.ts', 'is listed with its labels'),
  'ssh_service.commands[].name': acts('src/node/node-heartbeat.test.ts', 'announces the node resource on start with static and command labels'),
  'ssh_service.commands[].command': acts('src/node/node-heartbeat.test.ts', 'announces the node resource on start with static and command labels'),
  'ssh_service.commands[].period': acts('src/node/node-heartbeat.test.ts', 're-announces at once when a command label changes'),
  'ssh_service.permit_user_env': acts('src/node/node-session.test.ts', 'permit_user_env'),
  'ssh_service.port_forwarding': acts('src/node/node-forward.test.ts', 'refuses port forwarding when the node has port_forwarding off'),
  'ssh_service.ssh_file_copy': acts('src/node/node-files.test.ts', 'refuses sftp and scp when the node has ssh_file_copy off'),
  'ssh_service.disable_create_host_user': unsettled('this release never creates host users, so either value is what happens'),
  ...feature('ssh_service', 'enhanced_recording', ['command_buffer_size', 'disk_buffer_size', 'network_buffer_size', 'cgroup_path', 'root_path'], /enhanced session recording \(BPF\) is not available/),
  ...feature('ssh_service', 'pam', ['service_name', 'use_pam_auth', 'environment'], /PAM is not available/),
  ...feature('ssh_service', 'x11', ['display_offset', 'max_display'], /X11 forwarding is not available/),

  'proxy_service.enabled': acts('src/service/service-table.test.ts', 'starts only what is enabled'),
  'proxy_service.web_listen_addr': acts('test/proxy-web-port.test.ts', 'web_listen_addr'),
  'proxy_service.listen_addr': acts('test/proxy-web-port.test.ts', 'teleport-proxy-ssh reaches the proxy SSH server'),
  'proxy_service.tunnel_listen_addr': acts('test/reverse-tunnel.test.ts', 'tunnel_listen_addr'),
  'proxy_service.kube_listen_addr': acts('test/proxy-web-port.test.ts', 'mysql_listen_addr and kube_listen_addr act'),
  'proxy_service.mysql_listen_addr': acts('test/proxy-web-port.test.ts', 'mysql_listen_addr and kube_listen_addr act'),
  'proxy_service.postgres_listen_addr': acts('src/proxy/mux/listener.test.ts', 'postgres_listen_addr reads a PROXY header'),
  'proxy_service.mongo_listen_addr': refused('proxy_service:\n  mongo_listen_addr: 0.0.0.0:27017\n', 2, /MongoDB access is not available/),
  'proxy_service.public_addr': acts('src/proxy/web/ping.test.ts', 'advertise the tunnel address they are given, else the web host on 3024'),
  'proxy_service.ssh_public_addr': acts('src/proxy/web/ping.test.ts', 'advertise the SSH public address they are given'),
  'proxy_service.tunnel_public_addr': acts('src/proxy/web/ping.test.ts', 'advertise the tunnel address they are given'),
  'proxy_service.kube_public_addr': acts('src/service/proxy-kube-settings.test.ts', 'advertises kube_public_addr and the bound kube_listen_addr'),
  'proxy_service.mysql_server_version': acts('test/db-proxy-tunnel.test.ts', 'mysql_listen_addr greets with mysql_server_version when the databases disagree'),
  'proxy_service.mysql_public_addr': acts('src/service/proxy-db-addrs.test.ts', 'advertises mysql_public_addr when it is set'),
  'proxy_service.postgres_public_addr': unsettled('not yet in the proxy\'s ping answer'),
  // The first pair is served (a second one, for another name, is not chosen by SNI yet).
  'proxy_service.https_keypairs[].key_file': acts(CLUSTER_KEYS, 'proxy_service.https_keypairs is the certificate the web port serves'),
  'proxy_service.https_keypairs[].cert_file': acts(CLUSTER_KEYS, 'proxy_service.https_keypairs is the certificate the web port serves'),
  'proxy_service.https_key_file': acts(PARSE, 'reads proxy listeners, key pairs (with the legacy pair) and ACME'),
  'proxy_service.https_cert_file': acts(PARSE, 'reads proxy listeners, key pairs (with the legacy pair) and ACME'),
  'proxy_service.https_keypairs_reload_interval': unsettled('key pairs are read at start and on SIGHUP'),
  'proxy_service.kubernetes.enabled': acts(KEY_ACTS, 'the legacy proxy_service.kubernetes section opens the Kubernetes listener'),
  'proxy_service.kubernetes.listen_addr': acts(KEY_ACTS, 'the legacy proxy_service.kubernetes section opens the Kubernetes listener'),
  'proxy_service.kubernetes.public_addr': acts('src/service/proxy-kube-settings.test.ts', 'takes the legacy kubernetes section'),
  'proxy_service.kubernetes.kubeconfig_file': acts('test/kube-agents.test.ts', 'in the 2019 form, under the Teleport cluster'),
  'proxy_service.trust_x_forwarded_for': unsettled('the web API takes the socket peer as the client address'),
  ...feature('proxy_service', 'acme', ['email', 'uri'], /ACME \(Let's Encrypt\) certificates are not available/),
  'proxy_service.proxy_protocol': acts('src/proxy/mux/listener.test.ts', 'PROXY headers: refused unless proxy_protocol is on'),

  // db_service is the database helper's: its own tests prove or refuse each key.
  'db_service.enabled': acts('test/db-postgres.test.ts', 'db_service'),
  ...Object.fromEntries(['name', 'description', 'protocol', 'uri', 'static_labels', 'labels', 'tls.mode', 'tls.ca_cert_file', 'tls.server_name', 'ca_cert_file'].map((k) => [`db_service.databases[].${k}`, acts('src/config/section-db.test.ts', 'reads databases with Teleport keys and defaults')])),
  'db_service.databases[].tls.trust_system_cert_pool': {
    ...(refused('db_service:\n  enabled: yes\n  databases:\n  - name: a\n    protocol: postgres\n    uri: "h:1"\n    tls:\n      trust_system_cert_pool: yes\n', 8, /not supported by this release yet; give ca_cert_file/) as object),
    path: 'db_service.databases[0].tls.trust_system_cert_pool',
  } as Proof,
  'db_service.databases[].mysql.server_version': acts('test/db-proxy-tunnel.test.ts', 'greets with the routed database'),
  'db_service.databases[].aws.region': acts('test/db-rds-iam.test.ts', 'the database gets a signed IAM token as the password over TLS'),
  ...Object.fromEntries(['redshift', 'rds', 'elasticache', 'memorydb', 'secret_store', 'account_id', 'assume_role_arn', 'external_id'].map((k) => [
    `db_service.databases[].aws.${k}`,
    { ...(refused(`db_service:\n  enabled: yes\n  databases:\n  - name: a\n    protocol: postgres\n    uri: "h:1"\n    aws:\n      ${k}: x\n`, 8, DB_LATER) as object), path: `db_service.databases[0].aws.${k}` } as Proof,
  ])),
  ...Object.fromEntries(['gcp', 'azure', 'ad', 'admin_user', 'dynamic_labels', 'oracle', 'mongo'].map((k) => [
    `db_service.databases[].${k}`,
    { ...(refused(`db_service:\n  enabled: yes\n  databases:\n  - name: a\n    protocol: postgres\n    uri: "h:1"\n    ${k}: {}\n`, 7, DB_LATER) as object), path: `db_service.databases[0].${k}` } as Proof,
  ])),
  // A disabled section keeps them as written (section-db.test.ts), as any disabled service's settings.
  ...Object.fromEntries(['aws', 'azure', 'gcp'].map((k) => [`db_service.${k}`, refused(`db_service:\n  enabled: yes\n  ${k}: []\n`, 3, DB_LATER)])),
  'db_service.resources': acts('test/db-dynamic.test.ts', 'creates, lists, serves and removes db resources selected by db_service.resources'),

  // kubernetes_service is the Kubernetes agent's (section-kube.ts).
  'kubernetes_service.enabled': acts('test/kube-access.test.ts', 'lists pods in every namespace through kube_listen_addr and through the web port'),
  'kubernetes_service.kubeconfig_file': acts('test/kube-access.test.ts', 'lists pods in every namespace through kube_listen_addr and through the web port'),
  'kubernetes_service.labels': acts('test/kube-access.test.ts', 'refuses a cluster a deny kubernetes_labels rule matches'),
  'kubernetes_service.kube_cluster_name': acts('src/kube/credentials.test.ts', 'reads the in-cluster service account'),
  'kubernetes_service.listen_addr': acts('test/kube-listen-addr.test.ts', 'heartbeats the listener address without a tunnel, and the proxy dials it for the real kubectl'),
  'kubernetes_service.public_addr': acts('test/kube-listen-addr.test.ts', 'heartbeats the listener address without a tunnel, and the proxy dials it for the real kubectl'),
  'kubernetes_service.resources': refused('kubernetes_service:\n  enabled: yes\n  kube_cluster_name: k\n  resources: []\n', 4, /dynamic kube_cluster registration\) is not supported by this release yet/),
  // app_service is the application agent's (section-app.ts).
  'app_service.enabled': acts('test/app-access.test.ts', 'relays to the app by host name with the app session cookies'),
  ...Object.fromEntries(['name', 'uri', 'insecure_skip_verify', 'labels', 'public_addr'].map((k) => [`app_service.apps[].${k}`, acts('test/app-access.test.ts', 'relays to the app by host name with the app session cookies')])),
  'app_service.apps[].description': unsettled('carried in the app_server heartbeat; no test reads it back yet'),
  'app_service.apps[].rewrite.redirect': acts('test/app-access.test.ts', 'or to a host of rewrite.redirect, comes back at its public address'),
  'app_service.apps[].rewrite.headers': acts('test/app-access.test.ts', "expect(seen.headers['x-custom']).toBe('alice-login,ops')"),
  'app_service.apps[].rewrite.jwt_claims': {
    ...(refused('app_service:\n  enabled: yes\n  apps:\n  - name: a\n    uri: "http://h:1"\n    rewrite:\n      jwt_claims: roles\n', 7, /jwt_claims is not supported by this release yet/) as object),
    path: 'app_service.apps[0].rewrite.jwt_claims',
  } as Proof,
  ...Object.fromEntries(
    ['commands', 'aws', 'cloud', 'azure', 'gcp', 'cors', 'required_apps', 'use_any_proxy_public_addr', 'tcp_ports', 'mcp', 'identity_center'].map((k) => [
      `app_service.apps[].${k}`,
      { ...(refused(`app_service:\n  enabled: yes\n  apps:\n  - name: a\n    uri: "http://h:1"\n    ${k}: x\n`, 6, /is not supported by this release yet; remove it/) as object), path: `app_service.apps[0].${k}` } as Proof,
    ]),
  ),
  ...Object.fromEntries(['debug_app', 'mcp_demo_server'].map((k) => [`app_service.${k}`, refused(`app_service:\n  enabled: yes\n  ${k}: yes\n`, 3, /is not supported by this release yet; remove it/)])),
  'app_service.resources[].labels': acts('test/app-access.test.ts', 'serves app resources created with tctl create, selected by app_service.resources'),
  ...laterSection('windows_desktop_service', ['listen_addr', 'public_addr', 'ldap', 'discovery', 'discovery_configs', 'static_hosts', 'hosts', 'non_ad_hosts', 'host_labels', 'labels', 'pki_domain', 'show_desktop_wallpaper', 'resources']),
  ...laterSection('discovery_service', ['aws', 'azure', 'gcp', 'kubernetes', 'access_graph', 'discovery_group', 'poll_interval']),
  ...Object.fromEntries(['metrics_service', 'tracing_service', 'debug_service'].flatMap((s) => {
    const keys: Record<string, string[]> = {
      metrics_service: ['listen_addr', 'mtls', 'keypairs', 'ca_certs', 'grpc_server_latency', 'grpc_client_latency'],
      tracing_service: ['exporter_url', 'sampling_rate_per_million', 'ca_certs', 'keypairs'],
      debug_service: [],
    };
    return ['enabled', ...keys[s]].map((k) => [`${s}.${k}`, hostRefuses(`${s}:\n  enabled: yes\n`, 2, `${s}.enabled`, new RegExp(`${s} is not available in this release; set enabled: no`))]);
  })),
};

/** `teleport start` flags: each one's proof. */
const FLAG_PROOFS: Record<string, Proof> = {
  config: acts(PROC, 'refuses to start on a malformed config, naming the key and line'),
  roles: acts('src/config/flags.test.ts', '--roles turns on exactly the listed services'),
  token: acts(KEY_ACTS, 'an absolute path is the file holding the token, as Teleport reads it'),
  'ca-pin': acts('test/node-join.test.ts', 'refuses to join an auth server that does not match the CA pin'),
  'auth-server': acts('src/config/flags.test.ts', '--auth-server replaces a v3 proxy_server'),
  nodename: acts('src/config/flags.test.ts', 'flags override the file'),
  labels: acts('src/config/flags.test.ts', '--labels replaces the static and command labels'),
  'data-dir': acts('src/config/flags.test.ts', 'flags override the file'),
  'pid-file': acts('src/config/flags.test.ts', 'flags override the file'),
  'diag-addr': acts('src/config/flags.test.ts', 'flags override the file'),
  'advertise-ip': acts('src/config/flags.test.ts', 'advertiseIp'),
  'listen-ip': acts('src/config/flags.test.ts', '--listen-ip moves every listener, ports kept'),
  'insecure-no-tls': acts('test/proxy-web-port.test.ts', 'serves the web API as plain HTTP behind the balancer'),
  insecure: acts('test/join-insecure.test.ts', 'is refused without --insecure and joins with it'),
  'db-name': acts('src/config/flags.test.ts', 'add a database the agent serves'),
  'db-protocol': acts('src/config/flags.test.ts', 'add a database the agent serves'),
  'db-uri': acts('src/config/flags.test.ts', 'add a database the agent serves'),
  'db-description': acts('src/config/flags.test.ts', 'add a database the agent serves'),
};

function dynamoProvisioned(line: string): string {
  return `teleport:\n  storage:\n    type: dynamodb\n    table_name: t\n    billing_mode: provisioned\n    ${line}\n`;
}

/** Configs that between them visit every mapping the reader has (list items and storage types included). */
const VISITS = [
  '',
  'teleport:\n  connection_limits:\n    rates: [{period: 1m, average: 1, burst: 1}]\n  log: {format: {output: text}}\n',
  'ssh_service:\n  commands: [{name: a, command: [x], period: 1m}]\nproxy_service:\n  https_keypairs: [{key_file: /k, cert_file: /c}]\n',
  'auth_service:\n  authentication:\n    webauthn: {rp_id: example.com}\n',
  'teleport:\n  storage: {type: postgresql, conn_string: "postgresql://x/y"}\n',
  'teleport:\n  storage: {type: etcd, peers: ["http://e:1"], prefix: /t, insecure: true}\n',
  'teleport:\n  storage: {type: dynamodb, table_name: t}\n',
  'version: v3\nteleport:\n  join_params: {token_name: x, method: token}\n',
  'db_service:\n  databases: [{name: a, protocol: postgres, uri: "x:5432", tls: {mode: verify-full}}]\n',
  'app_service:\n  apps: [{name: a, uri: "http://x:1", rewrite: {redirect: [x]}}]\n  resources: [{labels: {a: b}}]\n',
];

/** Every key path the reader accepts; a path that is itself a mapping or a list of mappings is covered by its keys. */
function census(): string[] {
  const seen = new Set<string>();
  const mappings = new Set<string>();
  const onKeys = (path: string, keys: readonly string[]): void => {
    mappings.add(path);
    for (const k of keys) seen.add(path ? `${path}.${k}` : k);
  };
  for (const text of VISITS) parseConfig(text, { hostname: 'h', onKeys });
  const parents = [...mappings].map((m) => m.replace(/\[\]$/, ''));
  return [...seen].filter((k) => !parents.includes(k)).sort();
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fileText = (file: string): string => readFileSync(ROOT + file, 'utf8');

describe('every teleport.yaml key acts or is refused', () => {
  const keys = census();

  it('has a proof for every key the reader accepts, and none for a key it does not', () => {
    expect(keys.filter((k) => !(k in PROOFS))).toEqual([]);
    expect(Object.keys(PROOFS).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it.each(keys.filter((k) => k in PROOFS).map((k) => [k, PROOFS[k]] as const))('%s', async (key, proof) => {
    if ('acts' in proof) expect(fileText(proof.acts)).toContain(proof.shows);
    if ('refusedIn' in proof) expect(fileText(proof.refusedIn)).toContain(proof.shows);
    if ('refused' in proof) {
      const where = `teleport.yaml:${proof.line}: ${proof.path ?? key}: `;
      expect(() => parseConfig(proof.refused, { hostname: 'h' })).toThrow(where);
      expect(() => parseConfig(proof.refused, { hostname: 'h' })).toThrow(proof.says);
    }
    if ('startRefuses' in proof) expect(() => plan(parseConfig(proof.startRefuses, { hostname: 'h' }))).toThrow(proof.says);
    if ('hostRefuses' in proof) {
      const cfg = parseConfig(proof.hostRefuses, { hostname: 'h' });
      await expect(checkConfigOnHost(cfg)).rejects.toThrow(`teleport.yaml:${proof.line}: ${proof.path}: `);
      await expect(checkConfigOnHost(cfg)).rejects.toThrow(proof.says);
    }
    if ('unsettled' in proof) expect(proof.unsettled).not.toBe('');
  });
});

describe('every teleport start flag acts or is refused', () => {
  const flags = (startCommand.flags ?? []).map((f) => f.name);

  it('has a proof for every flag', () => {
    expect(flags.filter((f) => !(f in FLAG_PROOFS))).toEqual([]);
    expect(Object.keys(FLAG_PROOFS).filter((f) => !flags.includes(f))).toEqual([]);
  });

  it.each(flags.map((f) => [f, FLAG_PROOFS[f]] as const))('--%s', (_flag, proof) => {
    if ('acts' in proof) expect(fileText(proof.acts)).toContain(proof.shows);
  });
});
