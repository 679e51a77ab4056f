// Every address key holding a non-address, and every duration key holding a non-duration, is
// refused at load naming the key and its line (issue 17 item 6: "check every config key the same
// way"). Paths that cannot be used are the host check's (host-check.test.ts).
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.js';

/** Builds a file with `value` at the dotted `key` (its last part on line `n` of the result). */
function fileWith(key: string, value: string, version = 'v1'): { text: string; line: number } {
  const parts = key.split('.');
  const lines = [`version: ${version}`];
  parts.forEach((p, i) => lines.push(`${'  '.repeat(i)}${p}:${i === parts.length - 1 ? ` ${value}` : ''}`));
  return { text: lines.join('\n') + '\n', line: lines.length };
}

const ADDRESS_KEYS: [string, string?][] = [
  ['teleport.diag_addr'],
  ['teleport.auth_servers'],
  ['teleport.auth_server', 'v3'],
  ['teleport.proxy_server', 'v3'],
  ['auth_service.listen_addr'],
  ['auth_service.public_addr'],
  ['ssh_service.listen_addr'],
  ['ssh_service.public_addr'],
  ['proxy_service.web_listen_addr'],
  ['proxy_service.listen_addr'],
  ['proxy_service.tunnel_listen_addr'],
  ['proxy_service.kube_listen_addr'],
  ['proxy_service.mysql_listen_addr'],
  ['proxy_service.postgres_listen_addr'],
  ['proxy_service.public_addr'],
  ['proxy_service.ssh_public_addr'],
  ['proxy_service.tunnel_public_addr'],
  ['proxy_service.kube_public_addr'],
  ['proxy_service.mysql_public_addr'],
  ['proxy_service.postgres_public_addr'],
  ['proxy_service.kubernetes.listen_addr'],
];

const DURATION_KEYS = [
  'teleport.shutdown_delay',
  'teleport.cache.ttl',
  'teleport.cache.max_backoff',
  'teleport.storage.poll_stream_period',
  'teleport.storage.retention_period',
  'auth_service.client_idle_timeout',
  'auth_service.keep_alive_interval',
  'auth_service.authentication.default_session_ttl',
  'proxy_service.https_keypairs_reload_interval',
];

describe('every address key refuses a non-address with its key and line', () => {
  it.each(ADDRESS_KEYS.flatMap(([key, version]) => ['a:b:c', '127.0.0.1:99999', 'bad host:1', 'tcp://', '[::1'].map((v) => [key, v, version] as const)))(
    '%s: %s',
    (key, value, version) => {
      const { text, line } = fileWith(key, JSON.stringify(value), version);
      expect(() => parseConfig(text, { hostname: 'h' })).toThrow(new RegExp(`^teleport\\.yaml:${line}: ${key.replace(/\./g, '\\.')}: invalid address`));
    },
  );
});

describe('every duration key refuses a non-duration with its key and line', () => {
  it.each(DURATION_KEYS.flatMap((key) => ['5', 'abc', '1x', '-5m', 'yes'].map((v) => [key, v] as const)))('%s: %s', (key, value) => {
    const { text, line } = fileWith(key, JSON.stringify(value));
    expect(() => parseConfig(text, { hostname: 'h' })).toThrow(new RegExp(`^teleport\\.yaml:${line}: ${key.replace(/\./g, '\\.')}: `));
  });

  it('and a number without a unit, which YAML reads as a number', () => {
    const { text, line } = fileWith('auth_service.client_idle_timeout', '30');
    expect(() => parseConfig(text, { hostname: 'h' })).toThrow(`teleport.yaml:${line}: auth_service.client_idle_timeout: expected a duration with a unit`);
  });
});
