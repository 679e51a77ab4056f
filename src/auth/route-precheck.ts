/**
 * Who may call a body route of the auth API, checked before the body is read: a user none of whose
 * roles has a rule that could create or update any kind is refused `POST /v1/resources` at once,
 * instead of after up to 4 MiB of JSON was read and parsed. The route's own authorization (one rule
 * per kind and verb, caller.ts) still decides on the resource; this only refuses what no resource
 * could pass. Hosts and the local admin are decided by their routes.
 */
import { AccessDeniedError } from '../api/errors.js';
import type { Caller } from './caller.js';

/** The write verbs of `POST /v1/resources` (create; with force, update too). */
const WRITE_VERBS = ['create', 'update', '*'];

/** Throws AccessDeniedError when `caller` could not pass the route's own check with any body. */
export function precheckRoute(caller: Caller | undefined, method: string, path: string): void {
  if (!caller || caller.systemRole || method !== 'POST' || path !== '/v1/resources') return;
  const roles = caller.checker.all();
  const writes = roles.some((r) => (r.spec.allow.rules ?? []).some((rule) => rule.resources.length > 0 && rule.verbs.some((v) => WRITE_VERBS.includes(v))));
  if (!writes) throw new AccessDeniedError(`access denied: the roles of user "${caller.username}" allow creating no kind of resource`);
}
