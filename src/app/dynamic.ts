/**
 * Dynamic registration on the agent side: which `app` resources (created with `tctl create`) an
 * `app_service.resources` selector takes, and the app configuration each one becomes.
 */
import type { App } from '../api/types/index.js';
import type { AppConfig } from '../config/index.js';
import { matchLabels } from '../rbac/index.js';

/** True when any selector matches the resource's labels (`*: *` matches all; values are globs). */
export function appSelectedBy(selectors: readonly { labels: Record<string, string[]> }[], app: App): boolean {
  return selectors.some((s) => matchLabels(s.labels, app.metadata.labels ?? {}).matched);
}

/** The configuration an `app` resource becomes. */
export function appFromResource(app: App): AppConfig {
  const { uri, public_addr, insecure_skip_verify, rewrite } = app.spec;
  return {
    name: app.metadata.name,
    description: app.metadata.description ?? '',
    uri,
    ...(public_addr && { publicAddr: public_addr.toLowerCase() }),
    insecureSkipVerify: insecure_skip_verify ?? false,
    labels: { ...app.metadata.labels },
    rewrite: {
      redirect: rewrite?.redirect ?? [],
      headers: (rewrite?.headers ?? []).map((h) => ({ name: h.name, value: h.value })),
    },
  };
}
