/**
 * The OpenID Connect connector (`kind: oidc`, `version: v3`), Teleport's fields: the provider
 * (`issuer_url`, discovered from `/.well-known/openid-configuration`), the client registered there
 * (`client_id`, `client_secret`, `redirect_url`: the proxy's `/v1/webapi/oidc/callback`), what to
 * ask for (`scope` beyond `openid`, `prompt`, `acr_values`, `max_age`), how to name the user
 * (`username_claim`, default `email`), and `claims_to_roles`. Other Teleport fields (Google
 * Workspace groups, MFA settings, client redirect allow-lists) are refused by name.
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { checkHeader, headerShape, parseWith } from './metadata.js';

/** A `claims_to_roles` entry: `value` is a glob or `^regex$` (roles may use `$1`). */
export interface ClaimMapping {
  claim: string;
  value: string;
  roles: string[];
}

/** The OIDC connector spec. */
export interface OIDCConnectorSpec {
  issuer_url: string;
  client_id: string;
  client_secret: string;
  /** One URL; a list is accepted and its first entry used (Teleport's v3 lists). */
  redirect_url: string[];
  display?: string;
  scope?: string[];
  prompt?: string;
  acr_values?: string;
  max_age?: string;
  username_claim?: string;
  claims_to_roles: ClaimMapping[];
}

/** A validated OIDC connector. */
export type OIDCConnector = Resource<'oidc', OIDCConnectorSpec>;

const stringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]);

/** zod schema of an oidc connector document. */
export const oidcSchema = z.strictObject({
  ...headerShape('oidc', ['v3', 'v2']),
  spec: z.strictObject({
    issuer_url: z.string().min(1),
    client_id: z.string().min(1),
    client_secret: z.string().default(''),
    redirect_url: stringList,
    display: z.string().optional(),
    scope: z.array(z.string()).optional(),
    prompt: z.string().optional(),
    acr_values: z.string().optional(),
    max_age: z.string().optional(),
    username_claim: z.string().optional(),
    claims_to_roles: z.array(z.strictObject({ claim: z.string().min(1), value: z.string().min(1), roles: z.array(z.string().min(1)).min(1) })).min(1),
  }),
});

/** True for loopback hosts, where a plain-http issuer is allowed (a provider on this machine, tests). */
export function isLoopbackURL(u: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/** Validate an oidc connector; throws BadParameterError naming the field. */
export function validateOIDCConnector(input: unknown): OIDCConnector {
  checkHeader(input, 'oidc', ['v3', 'v2']);
  const c = parseWith<OIDCConnector>(oidcSchema, structuredClone(input), 'oidc');
  let issuer: URL;
  try {
    issuer = new URL(c.spec.issuer_url);
  } catch (err) {
    throw new BadParameterError(`spec.issuer_url: "${c.spec.issuer_url}" is not a URL`, { cause: err });
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackURL(issuer))) {
    throw new BadParameterError(`spec.issuer_url: "${c.spec.issuer_url}" must be https:// (plain http only for a provider on this machine)`);
  }
  if (c.spec.redirect_url.length === 0) throw new BadParameterError('spec.redirect_url: give the proxy\'s callback, https://<proxy>/v1/webapi/oidc/callback');
  for (const u of c.spec.redirect_url) {
    if (!/^https?:\/\/\S+$/.test(u)) throw new BadParameterError(`spec.redirect_url: "${u}" is not an http(s) URL`);
  }
  if (c.spec.max_age !== undefined && !/^\d+(s|m|h)?$|^(\d+h)?(\d+m)?(\d+s)?$/.test(c.spec.max_age)) throw new BadParameterError(`spec.max_age: "${c.spec.max_age}" is not a duration such as 1h`);
  return c;
}
