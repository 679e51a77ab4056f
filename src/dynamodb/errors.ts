/** The SDK's failures as our typed errors, for both DynamoDB stores. */
import { BadParameterError, ConnectionProblemError, TeleportError } from '../api/errors.js';

/**
 * `err` as ours, its message starting with `label` and `what` was being done: an invalid request
 * and a missing region are BadParameterError (the latter ends with `regionHint`, where to set one),
 * anything else ConnectionProblemError; our typed errors pass through unchanged.
 */
export function dynamoError(err: unknown, label: string, what: string, regionHint: string): unknown {
  if (err instanceof TeleportError) return err;
  const name = (err as { name?: string } | undefined)?.name ?? '';
  const msg = (err as Error | undefined)?.message ?? String(err);
  if (/Region is missing/i.test(msg)) return new BadParameterError(`${label}: ${what}: ${msg}; ${regionHint}`, { cause: err });
  if (name === 'ValidationException') return new BadParameterError(`${label}: ${what}: ${msg}`, { cause: err });
  return new ConnectionProblemError(`${label}: ${what}: ${name ? `${name}: ` : ''}${msg}`, { cause: err });
}
