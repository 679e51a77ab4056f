/**
 * Who the agent asks the API server to act as for one request (Teleport's forwarder
 * setupImpersonationHeaders): the Kubernetes users and groups the user's roles grant on the
 * cluster, narrowed by the client's own `Impersonate-User` / `Impersonate-Group` headers when
 * they stay inside them. Any other `Impersonate-*` header is refused, as is a header value with
 * CR, LF or NUL. `system:authenticated` is always among the groups, as the API server adds it to
 * every authenticated user.
 */
import { AccessDeniedError, BadParameterError } from '../api/errors.js';

/** The group every authenticated Kubernetes user has. */
export const SYSTEM_AUTHENTICATED = 'system:authenticated';

/** Teleport's refusal when the roles reaching a cluster name no Kubernetes user or group. */
export const NO_PRINCIPALS =
  "Your user's Teleport role does not allow Kubernetes access. Please ask cluster administrator to ensure your role has appropriate kubernetes_groups and kubernetes_users set.";

/** What the agent sends as Impersonate-User and Impersonate-Group. */
export interface Impersonation {
  user: string;
  groups: string[];
}

/** Throws BadParameterError when a header value carries CR, LF or NUL (header smuggling). */
export function checkHeaderValues(rawHeaders: readonly string[]): void {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (/[\r\n\0]/.test(rawHeaders[i + 1]) || /[\r\n\0]/.test(rawHeaders[i])) {
      throw new BadParameterError(`header ${JSON.stringify(rawHeaders[i])} has a value with CR, LF or NUL, which is not allowed`);
    }
  }
}

/**
 * The impersonation of one request. `allowed`: the users and groups the roles grant on the
 * cluster (kubeUsersAndGroups); with no users the Teleport username stands in, as Teleport does.
 * Throws AccessDeniedError for an impersonation outside them or an unsupported `Impersonate-*`
 * header, BadParameterError for several users asked for at once.
 */
export function impersonationFor(rawHeaders: readonly string[], allowed: { users: readonly string[]; groups: readonly string[] }, username: string): Impersonation {
  if (allowed.users.length === 0 && allowed.groups.length === 0) throw new AccessDeniedError(NO_PRINCIPALS);
  const users = allowed.users.length > 0 ? allowed.users : [username];
  const askedUsers: string[] = [];
  const askedGroups: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (!name.startsWith('impersonate-')) continue;
    if (name === 'impersonate-user') {
      if (value === '') continue;
      if (!users.includes(value)) throw new AccessDeniedError(`impersonation request has been denied, user header "${value}" is not allowed in roles`);
      askedUsers.push(value);
    } else if (name === 'impersonate-group') {
      if (value !== SYSTEM_AUTHENTICATED && !allowed.groups.includes(value)) {
        throw new AccessDeniedError(`impersonation request has been denied, group header "${value}" value is not allowed in roles`);
      }
      askedGroups.push(value);
    } else {
      throw new AccessDeniedError(`impersonation request has been denied, header "${rawHeaders[i]}" is not supported (only Impersonate-User and Impersonate-Group)`);
    }
  }
  if (new Set(askedUsers).size > 1) throw new BadParameterError('only one Impersonate-User header may be given');
  let user = askedUsers[0];
  if (user === undefined) {
    if (users.length > 1) {
      throw new AccessDeniedError('please select a user to impersonate, refusing to select a user due to several kubernetes_users set up for this user (kubectl --as)');
    }
    user = users[0];
  }
  const groups = askedGroups.length > 0 ? [...new Set(askedGroups)] : [...allowed.groups];
  if (!groups.includes(SYSTEM_AUTHENTICATED)) groups.push(SYSTEM_AUTHENTICATED);
  return { user, groups };
}
