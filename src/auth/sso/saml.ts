/**
 * SAML 2.0 login (Teleport's SAML connector) with @node-saml/node-saml: the IdP from its metadata
 * (`entity_descriptor`, or fetched from `entity_descriptor_url` and kept a few minutes), an
 * AuthnRequest over the HTTP-Redirect binding signed with the connector's key pair, RelayState the
 * request id, and the HTTP-POST response checked by node-saml: a signature by the IdP's signing
 * certificate, InResponseTo this request, audience, destination and time conditions. The NameID
 * names the user; `attributes_to_roles` gives roles; every attribute is a trait.
 */
import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import { AccessDeniedError, BadParameterError, isCode } from '../../api/errors.js';
import type { SAMLConnector } from '../../api/types/index.js';
import type { Services } from '../../services/index.js';
import { idpFetch, type ConnectorSummary, type SSOProvider } from './provider.js';
import type { SSOAuthRequest } from './requests.js';
import { SSOUserRefusedError, claimsToTraits, connectorNotFound, rolesFromClaims, type SSOIdentity } from './sso-users.js';

/** What the SP needs of the IdP's metadata. */
export interface IdPMetadata {
  entityID: string;
  /** The SingleSignOnService for HTTP-Redirect (else HTTP-POST) binding. */
  ssoURL: string;
  /** Signing certificates, base64 DER as in the metadata. */
  certs: string[];
}

const METADATA_TTL_MS = 5 * 60_000;
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/**
 * Reads the IdP's entity ID, SSO URL and signing certificates out of SAML metadata. Throws
 * BadParameterError naming what is missing.
 */
export function parseIdPMetadata(xml: string): IdPMetadata {
  const entityID = /<(?:\w+:)?EntityDescriptor\b[^>]*\bentityID="([^"]+)"/.exec(xml)?.[1];
  const idp = /<(?:\w+:)?IDPSSODescriptor\b[\s\S]*?<\/(?:\w+:)?IDPSSODescriptor>/.exec(xml)?.[0];
  if (!entityID || !idp) throw new BadParameterError('the IdP metadata has no EntityDescriptor entityID with an IDPSSODescriptor');
  const services = [...idp.matchAll(/<(?:\w+:)?SingleSignOnService\b([^>]*)\/?>/g)].map((m) => ({
    binding: /\bBinding="([^"]+)"/.exec(m[1])?.[1] ?? '',
    location: /\bLocation="([^"]+)"/.exec(m[1])?.[1] ?? '',
  }));
  const sso = services.find((s) => s.binding === REDIRECT) ?? services[0];
  if (!sso?.location) throw new BadParameterError('the IdP metadata names no SingleSignOnService Location');
  const certs = [...idp.matchAll(/<(?:\w+:)?KeyDescriptor\b([^>]*)>([\s\S]*?)<\/(?:\w+:)?KeyDescriptor>/g)]
    .filter((m) => !/\buse="encryption"/.test(m[1]))
    .map((m) => /<(?:\w+:)?X509Certificate>([\s\S]*?)<\/(?:\w+:)?X509Certificate>/.exec(m[2])?.[1]?.replace(/\s+/g, '') ?? '')
    .filter((c) => c !== '');
  if (certs.length === 0) throw new BadParameterError('the IdP metadata has no signing certificate (KeyDescriptor X509Certificate)');
  return { entityID, ssoURL: sso.location.replace(/&amp;/g, '&'), certs };
}

/** The SAML provider over the stored `saml` connectors. */
export class SAMLProvider implements SSOProvider {
  readonly kind = 'saml' as const;
  private readonly metadata = new Map<string, { at: number; meta: Promise<IdPMetadata> }>();

  constructor(private readonly services: Services) {}

  async list(): Promise<ConnectorSummary[]> {
    return (await this.services.saml.list()).map((c) => ({ name: c.metadata.name, display: c.spec.display || c.metadata.name }));
  }

  async prepare(connector: string): Promise<Partial<SSOAuthRequest>> {
    const c = await this.connector(connector);
    await this.idp(c);
    // SAML IDs must not start with a digit (xs:ID).
    return { saml_request_id: `_${randomBytes(20).toString('hex')}` };
  }

  async loginURL(req: SSOAuthRequest): Promise<string> {
    const c = await this.connector(req.connector_id);
    const saml = this.client(c, await this.idp(c), req.saml_request_id ?? '');
    return saml.getAuthorizeUrlAsync(req.id, undefined, {});
  }

  requestId(params: Record<string, string>): string | undefined {
    return params.RelayState;
  }

  async finish(req: SSOAuthRequest, params: Record<string, string>): Promise<SSOIdentity> {
    const c = await this.connector(req.connector_id);
    if (!params.SAMLResponse) throw new AccessDeniedError('the SAML callback carried no SAMLResponse');
    const saml = this.client(c, await this.idp(c), req.saml_request_id ?? '');
    let profile: Profile | null;
    try {
      profile = (await saml.validatePostResponseAsync({ SAMLResponse: params.SAMLResponse })).profile;
    } catch (err) {
      throw new AccessDeniedError(`the SAML response was refused: ${(err as Error).message}`, { cause: err });
    }
    if (!profile?.nameID) throw new AccessDeniedError('the SAML assertion names no user (NameID)');
    const username = profile.nameID;
    const raw = (profile.attributes as Record<string, unknown> | undefined) ?? {};
    const traits = claimsToTraits(raw);
    const roles = rolesFromClaims(c.spec.attributes_to_roles, traits);
    if (roles.length === 0) {
      throw new SSOUserRefusedError(`user "${username}" is not mapped to any roles by the attributes_to_roles of "${c.metadata.name}" connector; the configuration may have typos.`, username);
    }
    return { kind: 'saml', connector: c.metadata.name, username, roles, traits };
  }

  /** node-saml configured for one request: its id is the only InResponseTo it accepts. */
  private client(c: SAMLConnector, idp: IdPMetadata, requestId: string): SAML {
    const cache: CacheProvider = {
      saveAsync: async (key, value) => ({ value, createdAt: Date.now() }),
      // The value is when the request was made; the request store's 10-minute TTL already bounds it.
      getAsync: async (key) => (key === requestId && requestId !== '' ? new Date().toISOString() : null),
      removeAsync: async () => null,
    };
    const kp = c.spec.signing_key_pair;
    return new SAML({
      callbackUrl: c.spec.acs,
      entryPoint: idp.ssoURL,
      issuer: c.spec.service_provider_issuer || c.spec.acs,
      audience: c.spec.audience || c.spec.acs,
      idpIssuer: idp.entityID,
      idpCert: idp.certs,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: 10 * 60_000,
      cacheProvider: cache,
      generateUniqueId: () => requestId,
      identifierFormat: null,
      acceptedClockSkewMs: 5_000,
      signatureAlgorithm: 'sha256',
      ...(kp && { privateKey: kp.private_key }),
    });
  }

  private async connector(name: string): Promise<SAMLConnector> {
    try {
      return await this.services.saml.get(name);
    } catch (err) {
      if (isCode(err, 'not_found') || isCode(err, 'bad_parameter')) throw connectorNotFound('saml', name, err);
      throw err;
    }
  }

  /** The IdP's metadata: inline, or fetched from entity_descriptor_url (kept a few minutes). */
  private idp(c: SAMLConnector): Promise<IdPMetadata> {
    if (c.spec.entity_descriptor) return Promise.resolve(parseIdPMetadata(c.spec.entity_descriptor));
    const url = c.spec.entity_descriptor_url ?? '';
    const now = Date.now();
    const hit = this.metadata.get(url);
    if (hit && now - hit.at < METADATA_TTL_MS) return hit.meta;
    const meta = (async () => {
      const res = await idpFetch('the SAML IdP', url);
      if (!res.ok) throw new AccessDeniedError(`the SAML IdP's metadata at ${url} answered HTTP ${res.status}`);
      return parseIdPMetadata(await res.text());
    })().catch((err: unknown) => {
      this.metadata.delete(url);
      throw err;
    });
    this.metadata.set(url, { at: now, meta });
    return meta;
  }
}
