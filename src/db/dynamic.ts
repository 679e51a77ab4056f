/**
 * Dynamic registration on the agent side: which `db` resources (created with `tctl create`) a
 * `db_service.resources` selector takes, and the database configuration each one becomes.
 */
import type { Database } from '../api/types/index.js';
import { parseAddr, type DatabaseConfig } from '../config/index.js';
import { matchLabels } from '../rbac/index.js';

/** The label Teleport puts on resources created through the API. */
export const ORIGIN_LABEL = 'teleport.dev/origin';

/** True when any selector matches the resource's labels (`*: *` matches all; values are globs, as in role label matching). */
export function selectedBy(selectors: readonly { labels: Record<string, string[]> }[], db: Database): boolean {
  return selectors.some((s) => matchLabels(s.labels, db.metadata.labels ?? {}).matched);
}

/** The configuration a `db` resource becomes (spec.uri without a port takes the protocol's usual one). */
export function databaseFromResource(db: Database): DatabaseConfig {
  const { protocol, uri, tls, aws, mysql } = db.spec;
  return {
    name: db.metadata.name,
    description: db.metadata.description ?? '',
    protocol,
    uri: parseAddr(uri, protocol === 'mysql' ? 3306 : 5432),
    uriText: uri,
    staticLabels: { ...db.metadata.labels },
    tls: { mode: tls?.mode ?? 'verify-full', ...(tls?.ca_cert && { caCertPem: tls.ca_cert }), ...(tls?.server_name && { serverName: tls.server_name }) },
    ...(mysql?.server_version && { mysql: { serverVersion: mysql.server_version } }),
    ...(aws && { aws: { region: aws.region } }),
  };
}
