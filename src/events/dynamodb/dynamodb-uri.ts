/**
 * `audit_events_uri: dynamodb://events_table?region=us-east-1&endpoint=http://127.0.0.1:8000` as in
 * Teleport's AWS guides: the host is the table; `endpoint` (a DynamoDB-compatible service),
 * `use_fips_endpoint` and `disable_conflict_check` are Teleport's query parameters, `region` ours
 * besides the storage section's. Loads no SDK.
 */
import { BadParameterError } from '../../api/errors.js';
import { URIParams } from '../uri-params.js';

/** What a dynamodb:// audit URI asks for. */
export interface DynamoSinkSpec {
  kind: 'dynamodb';
  tableName: string;
  /** From the URI; otherwise the storage section's `region`, then the AWS environment. */
  region?: string;
  endpoint?: string;
  useFipsEndpoint?: boolean;
  /** Accepted for Teleport's configs; events are keyed by uid, so a rewrite is the same event. */
  disableConflictCheck: boolean;
}

const PARAMS = ['region', 'endpoint', 'use_fips_endpoint', 'disable_conflict_check'];
const TABLE = /^[A-Za-z0-9_.-]{3,255}$/;

/** Parses a `dynamodb://` audit URI. Throws BadParameterError naming what is wrong. */
export function parseDynamoURI(uri: string): DynamoSinkSpec {
  const m = /^dynamodb:\/\/([^/?#]*)\/?(?:\?([^#]*))?(?:#.*)?$/i.exec(uri.trim());
  if (!m) throw new BadParameterError(`audit_events_uri "${uri}": expected dynamodb://<table name>?region=<region>, with no path`);
  const tableName = decodeURIComponent(m[1]);
  if (!TABLE.test(tableName)) {
    throw new BadParameterError(
      `audit_events_uri "${uri}": "${tableName}" is not a DynamoDB table name (3 to 255 letters, digits, '_', '-' or '.'), as in dynamodb://teleport_events`,
    );
  }
  const q = new URIParams(uri, new URLSearchParams(m[2] ?? ''), 'query');
  q.only(PARAMS);
  const spec: DynamoSinkSpec = { kind: 'dynamodb', tableName, disableConflictCheck: q.str('disable_conflict_check') !== undefined };
  const region = q.str('region');
  if (region !== undefined) {
    if (!/^[a-z0-9-]{2,64}$/.test(region)) throw new BadParameterError(`audit_events_uri "${uri}": "${region}" is not an AWS region such as us-east-1`);
    spec.region = region;
  }
  const endpoint = q.str('endpoint');
  if (endpoint !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(endpoint).protocol);
    } catch {
      // Reported below.
    }
    if (!ok) throw new BadParameterError(`audit_events_uri "${uri}": endpoint "${endpoint}" is not a URL such as https://dynamodb.us-east-1.amazonaws.com`);
    spec.endpoint = endpoint;
  }
  const fips = q.bool('use_fips_endpoint');
  if (fips !== undefined) spec.useFipsEndpoint = fips;
  return spec;
}
