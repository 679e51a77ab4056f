/**
 * Fuzzing the resource reader (src/api/types: what `tctl create`, the web UI and the auth API decode
 * resources with): YAML and JSON texts built from valid resources of every kind with fields set to
 * hostile values, removed, nested, or with bytes changed. Each text is accepted or refused with a
 * BadParameterError (never another error, a leaked system error or a hang), and whatever is accepted
 * is stable: printed as YAML and JSON and read back, it is the same resource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { expectTypedOutcome, caseCount, fuzz, report, TEST_TIMEOUT_MS, type Rand } from './harness.js';
import { SyncTarget } from './sync-target.js';
import type { Outcome } from './targets.js';

const CORPUS: Record<string, unknown>[] = [
  {
    kind: 'role',
    version: 'v7',
    metadata: { name: 'dev', labels: { team: 'a' }, description: 'developers' },
    spec: {
      options: { max_session_ttl: '8h0m0s', forward_agent: true, port_forwarding: false, client_idle_timeout: '30m' },
      allow: {
        logins: ['{{internal.logins}}', 'ubuntu', '{{email.local(external.email)}}'],
        node_labels: { env: ['dev', 'staging'], '*': '*', region: '^us-.*$' },
        rules: [{ resources: ['session', 'event'], verbs: ['list', 'read'], where: 'contains(session.participants, user.metadata.name)' }],
        join_sessions: [{ name: 'pair', roles: ['access'], kinds: ['ssh'], modes: ['observer', 'peer'] }],
      },
      deny: { logins: ['root'], node_labels: { env: 'prod' } },
    },
  },
  { kind: 'user', version: 'v2', metadata: { name: 'alice' }, spec: { roles: ['access', 'editor'], traits: { logins: ['root', 'alice'], kubernetes_groups: [] } } },
  { kind: 'token', version: 'v2', metadata: { name: 'abcdef0123456789', expires: '2031-01-01T00:00:00Z' }, spec: { roles: ['Node', 'Proxy'], join_method: 'token' } },
  { kind: 'token', version: 'v2', metadata: { name: 'iam-token' }, spec: { roles: ['Node'], join_method: 'iam', allow: [{ aws_account: '123456789012', aws_arn: 'arn:aws:sts::123456789012:assumed-role/x/*' }] } },
  {
    kind: 'github',
    version: 'v3',
    metadata: { name: 'github' },
    spec: {
      client_id: 'id',
      client_secret: 'secret',
      redirect_url: 'https://teleport.example.com/v1/webapi/github/callback',
      display: 'GitHub',
      teams_to_roles: [{ organization: 'octocats', team: 'admins', roles: ['access', 'editor'] }],
    },
  },
  {
    kind: 'node',
    version: 'v2',
    metadata: { name: '5b7a1c3e-0d7e-4f5e-9a1b-0c2d3e4f5a6b', labels: { env: 'prod' } },
    spec: { hostname: 'web-1', addr: '10.0.0.5:3022', cmd_labels: { arch: { command: ['uname', '-m'], period: '1h0m0s', result: 'x86_64' } } },
  },
  { kind: 'cluster_auth_preference', version: 'v2', metadata: { name: 'cluster-auth-preference' }, spec: { type: 'local', second_factor: 'otp', disconnect_expired_cert: true } },
];

const HOSTILE: unknown[] = [
  null, '', 'yes', 0, -1, 1e309, 2 ** 53 + 1, true, [], {}, [[]], [{}], { '': '' }, 'a'.repeat(700), '\u0000', '\u202e', '../../etc/passwd',
  '{{', '{{internal.logins', '{{external["x"]}}', '{{regexp.replace(x, "(", "")}}', '^(a+)+$', '(', '*', '**', '^$', 'a/b', '..',
  '1h', '-1h', '999999999h', '1x', 'NaN', '2001-13-45T99:99:99Z', 'contains(', 'equals(1)', 'user.spec.traits["x"]', '<script>',
  ['access', null], [1, 2, 3], { node_labels: 'x' }, { verbs: ['*'], resources: ['*'] }, 'Node', 'Admin', 'admin', 'kind', '__proto__',
  { __proto__: { polluted: true } }, { constructor: { prototype: { x: 1 } } },
];

const FIELD_NAMES = ['kind', 'version', 'metadata', 'spec', 'name', 'labels', 'expires', 'roles', 'traits', 'logins', 'node_labels', 'rules',
  'verbs', 'resources', 'where', 'options', 'max_session_ttl', 'allow', 'deny', 'join_method', 'sub_kind', 'hostname', 'addr', 'cmd_labels',
  'period', 'command', 'teams_to_roles', 'client_secret', '__proto__', 'constructor', 'unknown_field'];

/** Every object and array inside a value, for choosing where to change it. */
function containers(v: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (v !== null && typeof v === 'object') {
    out.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) containers(child, out);
  }
  return out;
}

function mutate(doc: Record<string, unknown>, rnd: Rand): void {
  const targets = containers(doc);
  const t = rnd.pick(targets);
  if (Array.isArray(t)) {
    if (t.length > 0 && rnd.chance(0.5)) t.splice(rnd.int(t.length), 1);
    else t.splice(rnd.int(t.length + 1), 0, structuredClone(rnd.pick(HOSTILE)));
    return;
  }
  const keys = Object.keys(t);
  const key = keys.length > 0 && rnd.chance(0.7) ? rnd.pick(keys) : rnd.pick(FIELD_NAMES);
  switch (rnd.int(4)) {
    case 0:
      delete t[key];
      return;
    case 1:
      // Deep nesting of the value that was there.
      Object.defineProperty(t, key, { value: { [rnd.pick(FIELD_NAMES)]: [Object.hasOwn(t, key) ? t[key] : null] }, enumerable: true, configurable: true, writable: true });
      return;
    default:
      Object.defineProperty(t, key, { value: structuredClone(rnd.pick(HOSTILE)), enumerable: true, configurable: true, writable: true });
  }
}

/** Byte-level edits of a text (YAML syntax characters, cuts, duplicated lines). */
function textual(text: string, rnd: Rand): string {
  const i = rnd.int(text.length + 1);
  switch (rnd.int(4)) {
    case 0:
      return text.slice(0, i);
    case 1:
      return text.slice(0, i) + rnd.pick(['---\n', '&x ', '*x', '!!binary ', '!!js/function ', '<<: ', '{', '[', '"', '\t', '\n- ', '? ', ': ', '%YAML 1.1\n', '\uFEFF']) + text.slice(i);
    case 2: {
      const lines = text.split('\n');
      const at = rnd.int(lines.length);
      lines.splice(at, 0, ...lines.slice(at, at + 1 + rnd.int(3)));
      return lines.join('\n');
    }
    default:
      return text.slice(0, i) + text.slice(i + 1 + rnd.int(8));
  }
}

interface Case {
  text: string;
}

function gen(rnd: Rand): Case {
  const docs: Record<string, unknown>[] = [];
  for (let n = 1 + (rnd.chance(0.2) ? rnd.int(3) : 0); n > 0; n--) {
    const doc = structuredClone(rnd.pick(CORPUS));
    for (let k = rnd.int(4); k > 0; k--) mutate(doc, rnd);
    docs.push(doc);
  }
  let text: string;
  if (rnd.chance(0.45)) text = JSON.stringify(docs.length === 1 ? docs[0] : docs);
  else text = docs.map((d) => YAML.stringify(d)).join('---\n');
  if (rnd.chance(0.25)) text = textual(text, rnd);
  return { text };
}

let reader: SyncTarget;
beforeAll(async () => {
  reader = await SyncTarget.start('parseResourcesCase');
});
afterAll(async () => {
  await reader?.close();
});

describe('resource reader fuzz', () => {
  it('accepts or refuses every text with a BadParameterError, and what it accepts reads back the same', { timeout: TEST_TIMEOUT_MS }, async () => {
    const counts = { accepted: 0, refused: 0 };
    await fuzz<Case>({
      name: 'resources',
      cases: 1500,
      gen,
      run: async ({ text }) => {
        // The reader runs in a worker: a case that never returns fails by its deadline.
        const out = await reader.call<Outcome<{ first: string; fromYAML: string; fromJSON: string }>>(text, 2000);
        if (!out.ok) {
          expectTypedOutcome(out);
          counts.refused++;
          return;
        }
        counts.accepted++;
        // Printed as tctl get prints them, then read again: the same resources.
        expect(out.value.fromYAML).toBe(out.value.first);
        expect(out.value.fromJSON).toBe(out.value.first);
      },
      show: ({ text }) => JSON.stringify(text.length > 3000 ? `${text.slice(0, 3000)}...` : text),
    });
    report('resources', counts);
    expect(counts.accepted).toBeGreaterThan(caseCount(200));
    expect(counts.refused).toBeGreaterThan(caseCount(200));
  });
});
