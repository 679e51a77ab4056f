/** The text `tctl users add` and `tctl users reset` print around an invite/reset URL. */
import type { UserTokenResponse } from '../../api/auth-wire.js';
import { toGoJSON } from '../framework/index.js';
import { shortDuration } from './text-formats.js';

/** Which message: a new user's invite or a password reset. */
export type LinkKind = 'invite' | 'reset';

/** Teleport's printTokenAsText (or the token as JSON for `--format=json`). */
export function formatUserLink(kind: LinkKind, t: UserTokenResponse, ttlMs: number, format = 'text'): string {
  if (format === 'json') {
    return toGoJSON({ kind: 'user_token', sub_kind: kind, version: 'v3', metadata: { name: t.token, expires: t.expires }, spec: { user: t.user, url: t.url } });
  }
  const ttl = shortDuration(ttlMs);
  const host = new URL(t.url).host;
  const head =
    kind === 'invite'
      ? `User "${t.user}" has been created but requires a password. Share this URL with the user to complete user setup, link is valid for ${ttl}:`
      : `User "${t.user}" has been reset. Share this URL with the user to complete password reset, link is valid for ${ttl}:`;
  return `${head}\n${t.url}\n\nNOTE: Make sure ${host} points at a Teleport proxy which users can access.\n`;
}
