/**
 * SSO auth requests: what a login started with (connector, tsh's key and callback or the web flow,
 * the CSRF binding, the PKCE verifier and nonce of OIDC, the SAML request id), stored in the
 * backend under `/web/connectors/<kind>/requests/<id>` for 10 minutes so any auth server of the
 * cluster can finish it. The id is the OAuth `state` (the SAML RelayState). A request is consumed
 * by the first callback that names it, so a replayed callback finds nothing.
 */
import { randomBytes } from 'node:crypto';
import { MINUTE } from '../../api/duration.js';
import { AccessDeniedError, isCode } from '../../api/errors.js';
import type { SSOAuthRequestCreate, SSOKind } from '../../api/sso-wire.js';
import type { Backend } from '../../backend/index.js';
import type { Clock } from '../../api/clock.js';

/** Teleport's SSO request lifetime: the user has this long to finish at the IdP. */
export const SSO_REQUEST_TTL = 10 * MINUTE;

/** A stored request. */
export interface SSOAuthRequest extends SSOAuthRequestCreate {
  id: string;
  kind: SSOKind;
  created: string;
  /** OIDC: the PKCE code verifier and the nonce the ID token must carry. */
  code_verifier?: string;
  nonce?: string;
  /** SAML: the AuthnRequest ID the response must answer (InResponseTo). */
  saml_request_id?: string;
}

const keyOf = (kind: SSOKind, id: string) => `/web/connectors/${kind}/requests/${id}`;

/** The message for a callback whose state names no live request. */
export const UNKNOWN_REQUEST =
  'the login request is unknown, expired or was already used (state mismatch): start the login again';

/** Creates, reads and consumes auth requests. */
export class SSORequests {
  constructor(private readonly opts: { backend: Backend; clock: Clock }) {}

  /** Stores a new request with a fresh random id. */
  async create(kind: SSOKind, fields: Omit<SSOAuthRequest, 'id' | 'kind' | 'created'>): Promise<SSOAuthRequest> {
    const now = this.opts.clock.now();
    const req: SSOAuthRequest = { ...fields, id: randomBytes(24).toString('hex'), kind, created: new Date(now).toISOString() };
    await this.opts.backend.create({ key: keyOf(kind, req.id), value: JSON.stringify(req), expires: now + SSO_REQUEST_TTL });
    return req;
  }

  /**
   * Takes the request `id` out of the store: the first caller gets it, everyone after (a replayed
   * callback) gets AccessDeniedError, as does an unknown or expired id.
   */
  async consume(kind: SSOKind, id: string | undefined): Promise<SSOAuthRequest> {
    if (typeof id !== 'string' || !/^[0-9a-f]{48}$/.test(id)) throw new AccessDeniedError(UNKNOWN_REQUEST);
    try {
      const item = await this.opts.backend.get(keyOf(kind, id));
      await this.opts.backend.conditionalDelete(item.key, item.revision);
      return JSON.parse(item.value) as SSOAuthRequest;
    } catch (err) {
      if (isCode(err, 'not_found') || isCode(err, 'compare_failed')) throw new AccessDeniedError(UNKNOWN_REQUEST, { cause: err });
      throw err;
    }
  }
}
