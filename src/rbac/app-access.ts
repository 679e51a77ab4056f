/**
 * Application access by role (Teleport's RoleSet.CheckAccess for an app): a role whose deny
 * `app_labels` match the app's labels refuses it; otherwise some role's allow `app_labels` must
 * match. Deny wins. Roles must have their trait templates applied (applyRoleTraits).
 */
import { AccessDeniedError } from '../api/errors.js';
import type { Role } from '../api/types/index.js';
import { matchLabels } from './label-match.js';

/**
 * Throws AccessDeniedError (which rule decided) unless `roles` allow the app named `name` with
 * `labels`; returns the name of the role that allowed it.
 */
export function checkAppAccess(roles: readonly Role[], name: string, labels: Readonly<Record<string, string>>): string {
  for (const role of roles) {
    if (matchLabels(role.spec.deny?.app_labels, labels).matched) throw new AccessDeniedError(`access to app "${name}" denied: role ${role.metadata.name} denies it (app_labels)`);
  }
  for (const role of roles) {
    if (matchLabels(role.spec.allow?.app_labels, labels).matched) return role.metadata.name;
  }
  throw new AccessDeniedError(`access to app "${name}" denied: no role allows it (app_labels)`);
}

/** Whether the roles allow the app (listings: deny wins here too, as nothing narrows it later). */
export function canSeeApp(roles: readonly Role[], labels: Readonly<Record<string, string>>): boolean {
  try {
    checkAppAccess(roles, '', labels);
    return true;
  } catch {
    return false;
  }
}
