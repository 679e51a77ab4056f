import { describe, expect, it } from 'vitest';
import { FakeClock } from '../api/clock.js';
import { LimitExceededError } from '../api/errors.js';
import { ConnectionLimiter, UnauthenticatedLimiter } from './index.js';

const SECOND = 1000;

function limiter(limits: Partial<ConstructorParameters<typeof ConnectionLimiter>[0]['limits']>, clock = new FakeClock()) {
  return new ConnectionLimiter({ limits: { maxConnections: 0, maxUsers: 0, rates: [], ...limits }, clock });
}

describe('ConnectionLimiter', () => {
  it('counts concurrent connections per IP and refuses past max_connections', () => {
    const l = limiter({ maxConnections: 2 });
    const a = l.acquireConnection('127.0.0.1');
    l.acquireConnection('::ffff:127.0.0.1');
    expect(() => l.acquireConnection('127.0.0.1')).toThrow(LimitExceededError);
    expect(() => l.acquireConnection('127.0.0.1')).toThrow('too many connections from 127.0.0.1: 2, max is 2');
    // Other addresses have their own count.
    l.acquireConnection('10.0.0.1');
    a();
    a(); // twice is once
    expect(l.connections('127.0.0.1')).toBe(1);
    l.acquireConnection('127.0.0.1');
    expect(l.connections('127.0.0.1')).toBe(2);
  });

  it('admits connections of connected users and refuses a new user past max_users', () => {
    const l = limiter({ maxUsers: 1 });
    const alice1 = l.acquireUser('alice');
    const alice2 = l.acquireUser('alice');
    expect(() => l.acquireUser('bob')).toThrow(/^max user limit reached/);
    alice1();
    expect(() => l.acquireUser('bob')).toThrow(LimitExceededError);
    alice2();
    l.acquireUser('bob');
  });

  it('0 means unlimited', () => {
    const l = limiter({});
    for (let i = 0; i < 100; i++) {
      l.acquireConnection('127.0.0.1');
      l.acquireUser(`user${i}`);
    }
  });

  it('rates are token buckets per IP refilled by the clock', () => {
    const clock = new FakeClock();
    const l = limiter({ rates: [{ period: 60 * SECOND, average: 6, burst: 3 }] }, clock);
    for (let i = 0; i < 3; i++) l.acquireConnection('127.0.0.1')();
    expect(() => l.acquireConnection('127.0.0.1')).toThrow('rate limit exceeded for 127.0.0.1');
    expect(() => l.registerRequest('127.0.0.1')).toThrow(LimitExceededError);
    l.registerRequest('10.0.0.1');
    clock.advance(9 * SECOND); // 0.9 tokens
    expect(() => l.registerRequest('127.0.0.1')).toThrow(LimitExceededError);
    clock.advance(1 * SECOND);
    l.registerRequest('127.0.0.1');
    expect(() => l.registerRequest('127.0.0.1')).toThrow(LimitExceededError);
    clock.advance(10 * 60 * SECOND); // refills up to burst only
    for (let i = 0; i < 3; i++) l.registerRequest('127.0.0.1');
    expect(() => l.registerRequest('127.0.0.1')).toThrow(LimitExceededError);
  });

  it('every rate must have a token; a refused request takes none', () => {
    const clock = new FakeClock();
    const l = limiter({ rates: [{ period: SECOND, average: 1, burst: 1 }, { period: 60 * SECOND, average: 2, burst: 2 }] }, clock);
    l.registerRequest('127.0.0.1');
    expect(() => l.registerRequest('127.0.0.1')).toThrow(LimitExceededError);
    clock.advance(SECOND);
    l.registerRequest('127.0.0.1');
    clock.advance(SECOND);
    // The per-second bucket has a token again, the per-minute one does not.
    expect(() => l.registerRequest('127.0.0.1')).toThrow(LimitExceededError);
    clock.advance(29 * SECOND);
    l.registerRequest('127.0.0.1');
  });
});

describe('UnauthenticatedLimiter', () => {
  it("is Teleport's 20 a minute with bursts of 40 per IP; check() takes nothing", () => {
    const clock = new FakeClock();
    const l = new UnauthenticatedLimiter({ clock });
    for (let i = 0; i < 40; i++) l.take('::ffff:10.0.0.1');
    expect(() => l.take('10.0.0.1')).toThrow(LimitExceededError);
    expect(() => l.check('10.0.0.1')).toThrow('too many requests from 10.0.0.1: login, registration and invite endpoints take at most 20 requests per 60 s (bursts of 40); try again later');
    l.take('10.0.0.2');
    clock.advance(3 * SECOND); // one token back
    l.check('10.0.0.1');
    l.check('10.0.0.1');
    l.take('10.0.0.1');
    expect(() => l.take('10.0.0.1')).toThrow(LimitExceededError);
  });
});
