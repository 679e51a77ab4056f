/** Waiting for recordings in whole-cluster tests. */
import type { IdentityUser } from './identity-user.js';

/** Polls `tsh recordings ls` until `sid` is listed (the upload completes just after the session); its JSON entry. */
export async function waitForRecording(user: IdentityUser, sid: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await user.tsh(['recordings', 'ls', '--format=json']);
    if (r.code !== 0) throw new Error(`tsh recordings ls failed: ${r.err}`);
    const found = (JSON.parse(r.out) as Record<string, unknown>[]).find((e) => e.sid === sid);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`recording ${sid} was not listed in time`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Polls `tsh recordings ls` until a recording not in `known` appears; its JSON entry. */
export async function waitForNewRecording(user: IdentityUser, known: Set<string>, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await user.tsh(['recordings', 'ls', '--format=json']);
    if (r.code !== 0) throw new Error(`tsh recordings ls failed: ${r.err}`);
    const found = (JSON.parse(r.out) as Record<string, unknown>[]).find((e) => !known.has(String(e.sid)));
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no new recording was listed in time');
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Session IDs `user` may list now. */
export async function listedSessions(user: IdentityUser): Promise<Set<string>> {
  const r = await user.tsh(['recordings', 'ls', '--format=json']);
  if (r.code !== 0) throw new Error(`tsh recordings ls failed: ${r.err}`);
  return new Set((JSON.parse(r.out) as { sid: string }[]).map((e) => e.sid));
}
