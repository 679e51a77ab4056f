// Session IDs: a `TELEPORT_SESSION` env request names the session when it holds a well-formed UUID
// that no live session uses (as the proxy's web terminal sends it), so the terminal, the audit
// events and the recording share one ID; anything else gets a fresh UUID v4. Driven by OpenSSH.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from './session-events.js';
import { LiveSessionIds, parseSessionId } from './session-id.js';
import { ensureTestUser, runSSH, startTestNode, waitFor, type TestNode } from './testing/fixtures.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('parseSessionId and LiveSessionIds', () => {
  it.each([
    ['7f3c1a52-9b1e-4d7a-8c43-2b5f0e6d9a11', '7f3c1a52-9b1e-4d7a-8c43-2b5f0e6d9a11'],
    ['7F3C1A52-9B1E-4D7A-8C43-2B5F0E6D9A11', '7f3c1a52-9b1e-4d7a-8c43-2b5f0e6d9a11'],
    ['', undefined],
    ['not-a-uuid', undefined],
    ['7f3c1a52-9b1e-4d7a-8c43-2b5f0e6d9a11x', undefined],
    ['../../etc/passwd', undefined],
  ])('parses %j as %j', (value, want) => {
    expect(parseSessionId(value)).toBe(want);
  });

  it('hands out a requested ID once while it is live, then again after release', () => {
    const ids = new LiveSessionIds();
    const sid = randomUUID();
    expect(ids.claim(sid)).toBe(sid);
    const other = ids.claim(sid);
    expect(other).not.toBe(sid);
    expect(other).toMatch(UUID_V4);
    expect(ids.list().sort()).toEqual([sid, other].sort());
    ids.release(sid);
    expect(ids.claim(sid)).toBe(sid);
    expect(ids.claim()).toMatch(UUID_V4);
  });
});

const skip = ensureTestUser();

describe.skipIf(skip !== undefined)('TELEPORT_SESSION on the node (OpenSSH client)', () => {
  let t: TestNode;
  let id: string;
  const events: SessionEvent[] = [];

  beforeAll(async () => {
    t = await startTestNode({ events });
    id = await t.identity();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const run = (sid: string | undefined, command: string) =>
    runSSH([...(sid === undefined ? [] : ['-o', `SetEnv=TELEPORT_SESSION=${sid}`]), ...t.args(id), command]);

  it('adopts a well-formed UUID: the environment and the session events carry it', async () => {
    const sid = randomUUID();
    events.length = 0;
    const r = await run(sid.toUpperCase(), 'echo "$SSH_SESSION_ID"');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(sid);
    await waitFor(() => events.length === 2);
    expect(events.map((e) => [e.type, e.sessionId])).toEqual([
      ['session.start', sid],
      ['session.end', sid],
    ]);
  });

  it.each([['not-a-uuid'], ['12345678-1234-1234-1234-1234567890']])('ignores %j and picks a fresh UUID v4', async (bad) => {
    const r = await run(bad, 'echo "$SSH_SESSION_ID|${TELEPORT_SESSION-unset}"');
    expect(r.code).toBe(0);
    const [sidSeen, passed] = r.stdout.trim().split('|');
    expect(sidSeen).toMatch(UUID_V4);
    expect(passed).toBe('unset');
  });

  it('never gives a live session ID to a second session; a finished one may be named again', async () => {
    const sid = randomUUID();
    events.length = 0;
    const first = run(sid, 'echo "$SSH_SESSION_ID"; sleep 1');
    await waitFor(() => events.some((e) => e.type === 'session.start' && e.sessionId === sid));
    const second = await run(sid, 'echo "$SSH_SESSION_ID"');
    expect(second.stdout.trim()).not.toBe(sid);
    expect(second.stdout.trim()).toMatch(UUID_V4);
    expect((await first).stdout.trim()).toBe(sid);
    const again = await run(sid, 'echo "$SSH_SESSION_ID"');
    expect(again.stdout.trim()).toBe(sid);
  });
});
