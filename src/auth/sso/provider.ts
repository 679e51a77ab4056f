/** The seam between the generic SSO flow (sso-service.ts) and each identity provider protocol. */
import { ConnectionProblemError } from '../../api/errors.js';
import type { SSOKind } from '../../api/sso-wire.js';
import type { SSOAuthRequest } from './requests.js';
import type { SSOIdentity } from './sso-users.js';

/** What a connector shows on login pages. */
export interface ConnectorSummary {
  name: string;
  display: string;
}

/** One protocol (GitHub OAuth, OpenID Connect, SAML 2.0) over its stored connectors. */
export interface SSOProvider {
  readonly kind: SSOKind;
  /** Every stored connector of this kind. */
  list(): Promise<ConnectorSummary[]>;
  /** Checks the connector exists and returns what the request must remember (PKCE verifier, nonce, SAML id). */
  prepare(connector: string): Promise<Partial<SSOAuthRequest>>;
  /** The IdP's login URL for a stored request (its id is the state / RelayState). */
  loginURL(req: SSOAuthRequest): Promise<string>;
  /** The request id a callback names (`state`, SAML `RelayState`). */
  requestId(params: Record<string, string>): string | undefined;
  /**
   * Checks what the IdP sent back against the request and maps it through the connector. Throws
   * AccessDeniedError (bad code, bad signature, no mapped team) or ConnectionProblemError (IdP down).
   */
  finish(req: SSOAuthRequest, params: Record<string, string>): Promise<SSOIdentity>;
}

/** Fetch with a deadline; a refused or slow IdP becomes a message naming it. */
export async function idpFetch(what: string, url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000}s` : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new ConnectionProblemError(`${what} at ${new URL(url).origin} cannot be reached (${why}): the identity provider is down or unreachable, try again later`, { cause: err });
  }
}
