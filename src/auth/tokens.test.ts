import { describe, expect, it } from 'vitest';
import type { GenerateTokenRequest } from '../api/auth-wire.js';
import { BadParameterError } from '../api/errors.js';
import { canonicalSystemRole, newProvisionToken } from './tokens.js';

const clock = { now: () => Date.UTC(2026, 0, 1) };

describe('join token requests', () => {
  it('names a role that is not a string by its type, not "[object Object]"', () => {
    for (const [value, shown] of [
      [{}, 'an object'],
      [['node'], 'a list'],
      [null, 'null'],
      [7, 'a number'],
    ] as const) {
      expect(() => canonicalSystemRole(value)).toThrow(BadParameterError);
      expect(() => canonicalSystemRole(value)).toThrow(`unknown role "${shown}"`);
    }
  });

  it('keeps the name of a string role it does not know', () => {
    expect(() => canonicalSystemRole('wizard')).toThrow('unknown role "wizard"');
    expect(canonicalSystemRole(' node ')).toBe('Node');
  });

  it('refuses TTLs that are not positive numbers or that overflow a date, as bad parameters', () => {
    for (const ttl_ms of [0, -1, Number.NaN, '60000', 1e308, 1e16]) {
      const req = { roles: ['node'], ttl_ms } as unknown as GenerateTokenRequest;
      expect(() => newProvisionToken(req, clock)).toThrow(BadParameterError);
    }
  });

  it('accepts a long but representable TTL (tctl nodes add --ttl=10000h)', () => {
    const t = newProvisionToken({ roles: ['node'], ttl_ms: 10000 * 3600 * 1000 } as GenerateTokenRequest, clock);
    expect(t.metadata.expires).toBe(new Date(clock.now() + 10000 * 3600 * 1000).toISOString());
  });
});
