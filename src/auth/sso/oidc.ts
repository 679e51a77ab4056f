/**
 * OpenID Connect login (Teleport's OIDC connector) with openid-client: discovery of the provider at
 * `issuer_url` (plain http allowed for a provider on this machine only), the authorization code flow
 * with PKCE (S256), `state` and `nonce` checked, the ID token verified by openid-client against the
 * provider's keys, claims merged from the ID token and the userinfo endpoint, `claims_to_roles` to
 * roles, every claim a trait (`{{external.<claim>}}`), the user named by `username_claim` (email).
 */
import * as oidc from 'openid-client';
import { AccessDeniedError, ConnectionProblemError, isCode } from '../../api/errors.js';
import { parseDuration } from '../../api/duration.js';
import type { OIDCConnector } from '../../api/types/index.js';
import type { Services } from '../../services/index.js';
import type { ConnectorSummary, SSOProvider } from './provider.js';
import type { SSOAuthRequest } from './requests.js';
import { SSOUserRefusedError, claimsToTraits, connectorNotFound, rolesFromClaims, type SSOIdentity } from './sso-users.js';

/** How long a provider's discovered configuration is reused. */
const DISCOVERY_TTL_MS = 5 * 60_000;

/** The OIDC provider over the stored `oidc` connectors. */
export class OIDCProvider implements SSOProvider {
  readonly kind = 'oidc' as const;
  private readonly configs = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();

  constructor(private readonly services: Services) {}

  async list(): Promise<ConnectorSummary[]> {
    return (await this.services.oidc.list()).map((c) => ({ name: c.metadata.name, display: c.spec.display || c.metadata.name }));
  }

  async prepare(connector: string): Promise<Partial<SSOAuthRequest>> {
    await this.connector(connector);
    return { code_verifier: oidc.randomPKCECodeVerifier(), nonce: oidc.randomNonce() };
  }

  async loginURL(req: SSOAuthRequest): Promise<string> {
    const c = await this.connector(req.connector_id);
    const config = await this.config(c);
    const params: Record<string, string> = {
      redirect_uri: c.spec.redirect_url[0],
      scope: [...new Set(['openid', 'email', ...(c.spec.scope ?? [])])].join(' '),
      state: req.id,
      nonce: req.nonce ?? '',
      code_challenge: await oidc.calculatePKCECodeChallenge(req.code_verifier ?? ''),
      code_challenge_method: 'S256',
      ...(c.spec.prompt && { prompt: c.spec.prompt }),
      ...(c.spec.acr_values && { acr_values: c.spec.acr_values }),
      ...(c.spec.max_age && { max_age: String(Math.floor(parseDuration(c.spec.max_age) / 1000)) }),
    };
    return oidc.buildAuthorizationUrl(config, params).toString();
  }

  requestId(params: Record<string, string>): string | undefined {
    return params.state;
  }

  async finish(req: SSOAuthRequest, params: Record<string, string>): Promise<SSOIdentity> {
    const c = await this.connector(req.connector_id);
    if (params.error) throw new AccessDeniedError(`the OIDC provider refused the login: ${params.error_description || params.error}`);
    const config = await this.config(c);
    const current = new URL(c.spec.redirect_url[0]);
    for (const [k, v] of Object.entries(params)) current.searchParams.set(k, v);
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: req.code_verifier ?? '',
        expectedState: req.id,
        expectedNonce: req.nonce ?? '',
        idTokenExpected: true,
        ...(c.spec.max_age && { maxAge: Math.floor(parseDuration(c.spec.max_age) / 1000) }),
      });
      const idClaims: Record<string, unknown> = tokens.claims() ?? {};
      claims = { ...idClaims };
      if (config.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, String(idClaims.sub));
        claims = { ...info, ...idClaims };
      }
    } catch (err) {
      throw providerError(c, err);
    }
    const claimName = c.spec.username_claim || 'email';
    const username = claims[claimName];
    if (typeof username !== 'string' || username === '') {
      throw new AccessDeniedError(`the OIDC provider sent no "${claimName}" claim to name the user by: add its scope or set spec.username_claim`);
    }
    const traits = claimsToTraits(claims);
    const roles = rolesFromClaims(c.spec.claims_to_roles.map((m) => ({ name: m.claim, value: m.value, roles: m.roles })), traits);
    if (roles.length === 0) {
      throw new SSOUserRefusedError(`user "${username}" is not mapped to any roles by the claims_to_roles of "${c.metadata.name}" connector; the configuration may have typos.`, username);
    }
    return { kind: 'oidc', connector: c.metadata.name, username, roles, traits };
  }

  private async connector(name: string): Promise<OIDCConnector> {
    try {
      return await this.services.oidc.get(name);
    } catch (err) {
      if (isCode(err, 'not_found') || isCode(err, 'bad_parameter')) throw connectorNotFound('oidc', name, err);
      throw err;
    }
  }

  /** The provider's discovered configuration for this connector's client (cached for a few minutes). */
  private config(c: OIDCConnector): Promise<oidc.Configuration> {
    const key = JSON.stringify([c.spec.issuer_url, c.spec.client_id, c.spec.client_secret]);
    const now = Date.now();
    const hit = this.configs.get(key);
    if (hit && now - hit.at < DISCOVERY_TTL_MS) return hit.config;
    const insecure = new URL(c.spec.issuer_url).protocol === 'http:';
    const config = oidc
      .discovery(new URL(c.spec.issuer_url), c.spec.client_id, undefined, oidc.ClientSecretBasic(c.spec.client_secret), {
        ...(insecure && { execute: [oidc.allowInsecureRequests] }),
        timeout: 10,
      })
      .catch((err: unknown) => {
        this.configs.delete(key);
        throw providerError(c, err);
      });
    this.configs.set(key, { at: now, config });
    return config;
  }
}

/** openid-client's errors as ours: an unreachable provider, or a refusal with the provider's reason. */
function providerError(c: OIDCConnector, err: unknown): Error {
  if (err instanceof AccessDeniedError || err instanceof ConnectionProblemError) return err;
  const e = err as { name?: string; code?: string; message?: string; error?: string; error_description?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TypeError' || e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'OAUTH_TIMEOUT' || e.cause?.code === 'ECONNREFUSED') {
    const why = e.cause?.code ?? e.cause?.message ?? e.message ?? 'no answer';
    return new ConnectionProblemError(`the OIDC provider at ${c.spec.issuer_url} cannot be reached (${why}): the identity provider is down or unreachable, try again later`, { cause: err });
  }
  const why = e.error_description || e.error || e.message || String(err);
  return new AccessDeniedError(`the OIDC provider's answer was refused: ${why}`, { cause: err });
}
