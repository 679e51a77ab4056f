import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../api/errors.js';
import { parseConfig } from './parse.js';

// Each bad input, the key path its error must name and the line it must point at.
const CASES: { name: string; yaml: string; path: string; line: number; text?: RegExp }[] = [
  { name: 'unknown top-level key', yaml: 'teleport: {}\nauth_servce: {}\n', path: 'auth_servce', line: 2, text: /unknown key/ },
  { name: 'unknown key in teleport', yaml: 'teleport:\n  nodename: a\n  data_directory: /x\n', path: 'teleport.data_directory', line: 3 },
  { name: 'unknown key in auth_service', yaml: 'auth_service:\n  enabled: yes\n  listen: 1\n', path: 'auth_service.listen', line: 3 },
  {
    name: 'unknown key in authentication',
    yaml: 'auth_service:\n  authentication:\n    type: local\n    second_factr: otp\n',
    path: 'auth_service.authentication.second_factr',
    line: 4,
  },
  { name: 'unknown key in ssh_service', yaml: 'ssh_service:\n  lables: {a: b}\n', path: 'ssh_service.lables', line: 2 },
  { name: 'unknown key in proxy_service', yaml: '\nproxy_service:\n  web_addr: 0.0.0.0:3080\n', path: 'proxy_service.web_addr', line: 3 },
  {
    name: 'unknown key in a command label',
    yaml: 'ssh_service:\n  commands:\n  - name: a\n    command: [x]\n    period: 1m\n    every: 1m\n',
    path: 'ssh_service.commands[0].every',
    line: 6,
  },
  { name: 'unknown key in a later service', yaml: 'db_service:\n  enabled: no\n  dbs: []\n', path: 'db_service.dbs', line: 3 },
  { name: 'bad listen address', yaml: 'teleport:\n  nodename: a\nauth_service:\n  listen_addr: 3025x\n', path: 'auth_service.listen_addr', line: 4, text: /3025x/ },
  { name: 'bad port', yaml: 'ssh_service:\n  listen_addr: 0.0.0.0:99999\n', path: 'ssh_service.listen_addr', line: 2, text: /port/ },
  { name: 'bad address in a list', yaml: 'teleport:\n  auth_servers:\n  - 10.0.0.1:3025\n  - "a b"\n', path: 'teleport.auth_servers[1]', line: 4 },
  {
    name: 'duration without a unit',
    yaml: 'ssh_service:\n  commands:\n  - name: a\n    command: [x]\n    period: 1m\n  - {name: b, command: [y], period: 5}\n',
    path: 'ssh_service.commands[1].period',
    line: 6,
    text: /unit/,
  },
  { name: 'malformed duration', yaml: 'auth_service:\n  client_idle_timeout: 5 minutes\n', path: 'auth_service.client_idle_timeout', line: 2 },
  {
    name: 'bad second factor',
    yaml: 'auth_service:\n  authentication:\n    type: local\n    second_factor: maybe\n',
    path: 'auth_service.authentication.second_factor',
    line: 4,
    text: /maybe.*off, otp, on, optional, webauthn/,
  },
  { name: 'bad boolean', yaml: 'ssh_service:\n  enabled: perhaps\n', path: 'ssh_service.enabled', line: 2, text: /yes\/no/ },
  { name: 'bad boolean in flow', yaml: 'teleport: {}\nproxy_service: {enabled: perhaps}\n', path: 'proxy_service.enabled', line: 2 },
  {
    name: 'later storage type',
    yaml: 'teleport:\n  storage:\n    type: firestore\n    project_id: x\n',
    path: 'teleport.storage.type',
    line: 3,
    text: /"firestore" is not available in this release yet/,
  },
  { name: 'dynamodb storage without a table', yaml: 'teleport:\n  storage: {type: dynamodb, region: us-east-1}\n', path: 'teleport.storage.table_name', line: 2, text: /table_name is not specified/ },
  { name: 'unknown storage type', yaml: 'teleport:\n  storage:\n    type: mongo\n', path: 'teleport.storage.type', line: 3, text: /sqlite, dir/ },
  { name: 'later-backend key on sqlite', yaml: 'teleport:\n  storage:\n    type: sqlite\n    region: x\n', path: 'teleport.storage.region', line: 4 },
  { name: 'bad session recording mode', yaml: 'auth_service:\n  session_recording: always\n', path: 'auth_service.session_recording', line: 2 },
  { name: 'bad log severity', yaml: 'teleport:\n  log:\n    severity: loud\n', path: 'teleport.log.severity', line: 3 },
  { name: 'bad join method', yaml: 'version: v3\nteleport:\n  join_params: {token_name: t, method: carrier-pigeon}\n', path: 'teleport.join_params.method', line: 3 },
  { name: 'bad static token', yaml: 'auth_service:\n  tokens: ["node,proxy"]\n', path: 'auth_service.tokens[0]', line: 2, text: /roles:token/ },
  { name: 'unknown role in token', yaml: 'auth_service:\n  tokens:\n  - "node,wizard:abc"\n', path: 'auth_service.tokens[0]', line: 3, text: /wizard/ },
  { name: 'list where a mapping goes', yaml: 'ssh_service:\n  labels: [a, b]\n', path: 'ssh_service.labels', line: 2, text: /mapping/ },
  { name: 'mapping where a list goes', yaml: 'teleport:\n  auth_servers: {a: b}\n', path: 'teleport.auth_servers', line: 2 },
  { name: 'text where a number goes', yaml: 'teleport:\n  connection_limits:\n    max_connections: lots\n', path: 'teleport.connection_limits.max_connections', line: 3, text: /whole number/ },
  { name: 'mapping where a string goes', yaml: 'teleport:\n  nodename: {a: 1}\n', path: 'teleport.nodename', line: 2, text: /string/ },
  { name: 'scalar where a section goes', yaml: 'auth_service: yes\n', path: 'auth_service', line: 1, text: /mapping/ },
  { name: 'bad version', yaml: 'version: v9\n', path: 'version', line: 1, text: /v1, v2, v3/ },
  {
    name: 'v3: auth_server and proxy_server together',
    yaml: 'version: v3\nteleport:\n  auth_server: a:3025\n  proxy_server: p:443\nproxy_service: {enabled: no}\n',
    path: 'teleport.proxy_server',
    line: 4,
    text: /only one of auth_server or proxy_server/,
  },
  { name: 'v3: auth_servers is gone', yaml: 'version: v3\nteleport:\n  auth_servers: [a:3025]\n', path: 'teleport.auth_servers', line: 3, text: /replaced auth_servers/ },
  { name: 'v1: proxy_server needs v3', yaml: 'teleport:\n  proxy_server: p:443\n', path: 'teleport.proxy_server', line: 2, text: /v3 onwards/ },
  { name: 'v3: proxy_server with the proxy enabled', yaml: 'version: v3\nteleport:\n  proxy_server: p:443\n', path: 'teleport.proxy_server', line: 3, text: /proxy service is enabled/ },
  { name: 'keypair without a cert', yaml: 'proxy_service:\n  https_keypairs:\n  - key_file: /k\n', path: 'proxy_service.https_keypairs[0]', line: 3, text: /cert_file/ },
];

describe('bad configs', () => {
  it.each(CASES)('$name', ({ yaml, path, line, text }) => {
    let err: unknown;
    try {
      parseConfig(yaml, { hostname: 'h' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadParameterError);
    const message = (err as Error).message;
    expect(message.startsWith(`teleport.yaml:${line}: ${path}`)).toBe(true);
    if (text) expect(message).toMatch(text);
  });

  it.each([
    ['an unclosed flow list', 'teleport:\n  auth_servers: [a:1,\nauth_service:\n  enabled: yes\n', 3],
    ['a tab for indentation', 'teleport:\n\tnodename: a\n', 2],
    ['a duplicate key', 'teleport:\n  nodename: a\n  nodename: b\n', 3],
    ['a bad indent', 'teleport:\n  nodename: a\n data_dir: /x\n', 3],
  ])('malformed YAML: %s', (_name, yaml, line) => {
    let err: unknown;
    try {
      parseConfig(yaml, { path: '/etc/teleport.yaml' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadParameterError);
    expect((err as Error).message).toMatch(new RegExp(`^/etc/teleport\\.yaml:${line}: malformed YAML: `));
  });

  it('shows the full message format', () => {
    expect(() => parseConfig('auth_service:\n  enabled: yes\n  listen_addr: 0.0.0.0:3025\n  proxy_listener_mode: fast\n')).toThrow(
      'teleport.yaml:4: auth_service.proxy_listener_mode: unsupported value "fast"; expected one of: separate, multiplex',
    );
  });
});

// Audit URIs a release cannot serve are refused at load with their line, not when the auth service opens them.
describe('audit URIs', () => {
  it.each([
    ['teleport:\n  storage:\n    audit_events_uri: [stdout://, "foo://x"]\n', /^teleport\.yaml:3: teleport\.storage\.audit_events_uri\[1\]: unknown scheme "foo"/],
    ['teleport:\n  storage:\n    audit_events_uri: firestore://events\n', /^teleport\.yaml:3: teleport\.storage\.audit_events_uri: firestore:\/\/ is not available in this release/],
    ['teleport:\n  storage:\n    audit_events_uri: file://relative/log\n', /^teleport\.yaml:3: .*needs an absolute directory/],
    ['teleport:\n  storage:\n    audit_events_uri: /var/log/x\n', /^teleport\.yaml:3: .*"\/var\/log\/x" is not a URI/],
    ['auth_service:\n  audit_sessions_uri: gs://bucket/x\n', /^teleport\.yaml:2: auth_service\.audit_sessions_uri: gs:\/\/ storage is not available/],
    ['teleport:\n  storage:\n    audit_sessions_uri: "ftp://x"\n', /^teleport\.yaml:3: teleport\.storage\.audit_sessions_uri: unsupported URI "ftp:\/\/x"/],
  ])('refuses %j', (text, message) => {
    expect(() => parseConfig(text, { hostname: 'h' })).toThrow(message);
  });

  it('accepts the URIs a release serves', () => {
    const cfg = parseConfig(
      'teleport:\n  storage:\n    audit_events_uri: [file:///var/lib/teleport/log, stdout://, "sqlite://", "postgresql://u@db:5432/audit", "dynamodb://events"]\n    audit_sessions_uri: "s3://bucket/prefix?region=us-east-1"\n',
      { hostname: 'h' },
    );
    expect(cfg.teleport.storage.auditEventsUri).toHaveLength(5);
    expect(cfg.teleport.storage.auditSessionsUri).toBe('s3://bucket/prefix?region=us-east-1');
  });
});
