import { describe, expect, it } from 'vitest';
import { BadParameterError } from '../errors.js';
import { parseResources, toJSON, toYAML } from './codec.js';
import type { AnyResource, Kind } from './kinds.js';
import { KINDS, kindInfo, parseKindRef } from './kinds.js';

/** One valid sample document per registry kind; a new kind without a sample fails the test below. */
const SAMPLES: Record<Kind, unknown> = {
  role: { kind: 'role', version: 'v7', metadata: { name: 'dev' }, spec: { allow: { logins: ['dev'], node_labels: { env: 'dev' } } } },
  user: {
    kind: 'user',
    version: 'v2',
    metadata: { name: 'alice' },
    spec: { roles: ['access'], traits: { logins: ['alice', 'root'] }, github_identities: [{ connector_id: 'github', username: 'alice' }] },
  },
  token: { kind: 'token', version: 'v2', metadata: { name: 'abc123', expires: '2026-01-01T00:30:00Z' }, spec: { roles: ['node'] } },
  cert_authority: {
    kind: 'cert_authority',
    version: 'v2',
    metadata: { name: 'example.com' },
    spec: {
      cluster_name: 'example.com',
      type: 'host',
      active_keys: { ssh: [{ public_key: 'c3NoLWVkMjU1MTk=', private_key: 'AAAA', private_key_type: 'RAW' }], tls: [{ cert: 'LS0t', key: 'LS0t' }] },
      rotation: { state: 'standby', phase: 'standby', grace_period: '30h', last_rotated: '2026-01-01T00:00:00Z' },
    },
  },
  cluster_name: { kind: 'cluster_name', version: 'v2', metadata: { name: 'cluster-name' }, spec: { cluster_name: 'example.com', cluster_id: 'id-1' } },
  cluster_auth_preference: { kind: 'cluster_auth_preference', version: 'v2', metadata: { name: 'cluster-auth-preference' }, spec: {} },
  cluster_networking_config: { kind: 'cluster_networking_config', version: 'v2', metadata: { name: 'cluster-networking-config' }, spec: { client_idle_timeout: '30m' } },
  github: {
    kind: 'github',
    version: 'v3',
    metadata: { name: 'github' },
    spec: {
      client_id: 'id',
      client_secret: 'secret',
      redirect_url: 'https://proxy.example.com:3080/v1/webapi/github/callback',
      teams_to_roles: [{ organization: 'octocats', team: 'admins', roles: ['access', 'editor'] }],
    },
  },
  oidc: {
    kind: 'oidc',
    version: 'v3',
    metadata: { name: 'auth0' },
    spec: {
      issuer_url: 'https://idp.example.com',
      client_id: 'id',
      client_secret: 'secret',
      redirect_url: ['https://proxy.example.com:3080/v1/webapi/oidc/callback'],
      scope: ['email', 'groups'],
      claims_to_roles: [{ claim: 'groups', value: 'admins', roles: ['access'] }],
    },
  },
  saml: {
    kind: 'saml',
    version: 'v2',
    metadata: { name: 'okta' },
    spec: {
      acs: 'https://proxy.example.com:3080/v1/webapi/saml/acs/okta',
      entity_descriptor_url: 'https://idp.example.com/metadata',
      attributes_to_roles: [{ name: 'groups', value: 'admins', roles: ['access'] }],
    },
  },
  node: {
    kind: 'node',
    version: 'v2',
    metadata: { name: '5b4b4c1e-0000-4000-8000-000000000001', labels: { env: 'dev' } },
    spec: { addr: '10.0.0.1:3022', hostname: 'web-1', cmd_labels: { arch: { command: ['uname', '-m'], period: '1h', result: 'x86_64' } } },
  },
  app: { kind: 'app', version: 'v3', metadata: { name: 'dashboard', labels: { env: 'dev' } }, spec: { uri: 'https://127.0.0.1:8443', public_addr: 'dashboard.example.com', insecure_skip_verify: true } },
  db: {
    kind: 'db',
    version: 'v3',
    metadata: { name: 'pg-dyn', description: 'PostgreSQL', labels: { env: 'test' } },
    spec: { protocol: 'postgres', uri: 'localhost:5432', tls: { mode: 'verify-ca' } },
  },
};

describe('kind registry', () => {
  it.each(KINDS.map((k) => [k.kind, k] as const))('%s has a sample that validates and round-trips', (kind, info) => {
    const sample = SAMPLES[kind];
    expect(sample, `add a sample for ${kind}`).toBeDefined();
    const r = info.validate(sample);
    expect(r.kind).toBe(kind);
    expect(info.versions).toContain(r.version);
    expect(parseResources(toYAML([r]))).toEqual([r]);
    expect(parseResources(toJSON([r]))).toEqual([r]);
    expect(kindInfo(kind)).toBe(info);
  });

  it('aliases are unique across kinds', () => {
    const all = KINDS.flatMap((k) => k.aliases);
    expect(new Set(all).size).toBe(all.length);
  });

  it.each([
    ['role/access', { kind: 'role', name: 'access' }],
    ['roles', { kind: 'role' }],
    ['users/alice', { kind: 'user', name: 'alice' }],
    ['tokens/abc', { kind: 'token', name: 'abc' }],
    ['cas/host/example.com', { kind: 'cert_authority', name: 'host/example.com' }],
    ['ca', { kind: 'cert_authority' }],
    ['cert_authorities', { kind: 'cert_authority' }],
    ['cap', { kind: 'cluster_auth_preference' }],
    ['cluster_name', { kind: 'cluster_name' }],
    ['connectors', { kind: 'github' }],
    ['github/github', { kind: 'github', name: 'github' }],
    ['nodes', { kind: 'node' }],
    ['Role/x', { kind: 'role', name: 'x' }],
  ])('parseKindRef(%j)', (ref, want) => {
    expect(parseKindRef(ref)).toEqual(want);
  });

  it.each(['widget/x', '', '/x', 'role/'])('parseKindRef(%j) is refused', (ref) => {
    expect(() => parseKindRef(ref)).toThrow(BadParameterError);
  });

  it('unknown kind error lists supported kinds', () => {
    expect(() => parseKindRef('widget')).toThrow(/unsupported resource kind "widget" \(supported: .*role.*node/);
  });

  it('singletons have fixed names', () => {
    for (const k of KINDS.filter((k) => k.singleton)) {
      const r = k.validate(SAMPLES[k.kind]) as AnyResource;
      expect(r.metadata.name).toBe(k.singletonName);
    }
  });
});

describe('db kind', () => {
  const db = (spec: Record<string, unknown>, name = 'pg') => ({ kind: 'db', version: 'v3', metadata: { name }, spec });
  it.each([
    [db({ protocol: 'mongodb', uri: 'h:1' }), /protocol "mongodb" is not supported/],
    [db({ protocol: 'postgres' }), /spec.uri: uri is required/],
    [db({ protocol: 'postgres', uri: 'postgres://h:5432' }), /spec.uri: "postgres:\/\/h:5432" is not a host:port address/],
    [db({ protocol: 'postgres', uri: 'h:5432', aws: { region: 'x' } }), /spec.aws.region: "x" is not an AWS region such as us-east-1/],
    [db({ protocol: 'postgres', uri: 'h:5432', aws: { region: 'us-east-1', rds: { instance_id: 'a' } } }), /spec.aws.rds: aws.rds is not supported by this release yet/],
    [db({ protocol: 'postgres', uri: 'h:5432', aws: {} }), /aws.region is required/],
    [db({ protocol: 'postgres', uri: 'h:5432', mysql: { server_version: '8.0.36' } }), /mysql.server_version is for MySQL databases; "pg" is postgres/],
    [db({ protocol: 'mysql', uri: 'h:3306', mysql: { server_version: '8.0\n' } }), /must be one line/],
    [db({ protocol: 'postgres', uri: 'h:5432', gcp: { project_id: 'p' } }), /spec.gcp: gcp is not supported by this release yet/],
    [db({ protocol: 'postgres', uri: 'h:5432' }, 'Bad_Name'), /invalid database name "Bad_Name"/],
    [db({ protocol: 'postgres', uri: 'h:5432', tls: { mode: 'loose' } }), /tls mode "loose" is not one of/],
    [db({ protocol: 'postgres', uri: 'h:5432', tls: { trust_system_cert_pool: true } }), /spec.tls.trust_system_cert_pool: .* give spec.tls.ca_cert/],
    [db({ protocol: 'postgres', uri: 'h:5432', ca_cert: 'x' }), /spec.ca_cert: .* \(give spec.tls.ca_cert\)/],
  ])('refuses %j', (input, message) => {
    expect(() => kindInfo('db')!.validate(input)).toThrow(message);
  });
  it('is reached by its aliases', () => {
    expect(parseKindRef('databases/pg')).toEqual({ kind: 'db', name: 'pg' });
  });
  it('keeps aws.region and mysql.server_version, which the agent acts on (src/db/dynamic.ts)', () => {
    const r = kindInfo('db')!.validate(db({ protocol: 'mysql', uri: 'aurora:3306', aws: { region: 'us-east-1' }, mysql: { server_version: '8.0.36' } }, 'aurora')) as AnyResource;
    expect(r.spec).toMatchObject({ aws: { region: 'us-east-1' }, mysql: { server_version: '8.0.36' } });
  });
});
