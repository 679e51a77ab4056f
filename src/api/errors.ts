/**
 * Typed errors with stable codes, shared by servers, clients and the web UI.
 * Branch on `code` (or `instanceof`), never on message text. HTTP status and CLI exit codes are
 * derived from the code in one place each (`httpStatus` here, the CLI io layer for exit codes).
 */

/** Stable error codes; the wire form of an error is `{ error: { code, message } }`. */
export type ErrorCode =
  | 'not_found'
  | 'already_exists'
  | 'compare_failed'
  | 'access_denied'
  | 'bad_parameter'
  | 'connection_problem'
  | 'limit_exceeded'
  | 'not_implemented'
  | 'internal';

/** Base class of every error we throw on purpose. */
export class TeleportError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A resource or key does not exist. */
export class NotFoundError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', message, options);
  }
}

/** A create hit an existing resource or key. */
export class AlreadyExistsError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('already_exists', message, options);
  }
}

/** A compare-and-swap or conditional update lost to a concurrent writer. */
export class CompareFailedError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('compare_failed', message, options);
  }
}

/** The caller is not allowed to do this (bad credentials, or RBAC said no). */
export class AccessDeniedError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('access_denied', message, options);
  }
}

/** The input is malformed or invalid; the message names what and where. */
export class BadParameterError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_parameter', message, options);
  }
}

/** A peer could not be reached or the connection broke. */
export class ConnectionProblemError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('connection_problem', message, options);
  }
}

/** A rate, size or count limit was hit. */
export class LimitExceededError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('limit_exceeded', message, options);
  }
}

/** A feature that this build does not have (for example a storage type of a later release). */
export class NotImplementedError extends TeleportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_implemented', message, options);
  }
}

const STATUS: Record<ErrorCode, number> = {
  not_found: 404,
  already_exists: 409,
  compare_failed: 412,
  access_denied: 403,
  bad_parameter: 400,
  connection_problem: 502,
  limit_exceeded: 429,
  not_implemented: 501,
  internal: 500,
};

/** HTTP status for an error code: the one mapping used by every HTTP server of ours. */
export function httpStatus(code: ErrorCode): number {
  return STATUS[code];
}

/** The error code of any thrown value (`internal` for everything that is not ours). */
export function errorCode(err: unknown): ErrorCode {
  return err instanceof TeleportError ? err.code : 'internal';
}

/** Rebuild a typed error from its wire form `{ code, message }`. */
export function errorFromWire(code: string, message: string): TeleportError {
  switch (code) {
    case 'not_found':
      return new NotFoundError(message);
    case 'already_exists':
      return new AlreadyExistsError(message);
    case 'compare_failed':
      return new CompareFailedError(message);
    case 'access_denied':
      return new AccessDeniedError(message);
    case 'bad_parameter':
      return new BadParameterError(message);
    case 'connection_problem':
      return new ConnectionProblemError(message);
    case 'limit_exceeded':
      return new LimitExceededError(message);
    case 'not_implemented':
      return new NotImplementedError(message);
    default:
      return new TeleportError('internal', message);
  }
}

/** True when `err` is one of ours with the given code. */
export function isCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof TeleportError && err.code === code;
}
