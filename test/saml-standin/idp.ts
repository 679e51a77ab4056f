/**
 * A SAML 2.0 identity provider for tests: samlify's IdentityProvider on 127.0.0.1 with its own
 * signing key pair, serving its metadata (`/metadata`), taking AuthnRequests on the HTTP-Redirect
 * binding (`/sso`, parsed by samlify against the SP) and answering, as the user the test signed in,
 * with an auto-submitting HTTP-POST form to the SP's ACS holding a response whose assertion samlify
 * signs (attributes as the test sets them). For refusals, `signWith: 'other'` signs with a key the
 * metadata does not publish, and `tamper` edits the signed XML. samlify needs an XML schema
 * validator; this test stand-in installs a permissive one (the SP side, node-saml, validates).
 */
import { createServer, type Server } from 'node:http';
import * as samlify from 'samlify';
import { generateCA } from '../../src/tlsca/index.js';

samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });

/** A user of the IdP: the NameID and attributes (each a list of values). */
export interface SAMLUser {
  nameID: string;
  attributes: Record<string, string[]>;
}

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The running IdP. */
export class SAMLStandin {
  url = '';
  signedIn?: SAMLUser;
  signWith: 'own' | 'other' = 'own';
  /** Edits the base64-decoded response after signing (a tampered assertion). */
  tamper?: (xml: string) => string;
  private server?: Server;
  private idp?: ReturnType<typeof samlify.IdentityProvider>;
  private other?: ReturnType<typeof samlify.IdentityProvider>;
  metadataXML = '';

  /** `acs` is the SP's ACS URL and entity ID (the connector's defaults). */
  constructor(private readonly acs: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req.url ?? '/').then(
        (r) => res.writeHead(r.status, { 'content-type': r.type }).end(r.body),
        (err: unknown) => res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err)),
      );
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    const make = async () => {
      const kp = await generateCA({ clusterName: 'saml-idp', type: 'db', keyAlgorithm: 'rsa2048' });
      return samlify.IdentityProvider({
        entityID: `${this.url}/metadata`,
        privateKey: kp.keyPem,
        signingCert: kp.certPem,
        singleSignOnService: [{ Binding: REDIRECT, Location: `${this.url}/sso` }],
        nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
      });
    };
    this.idp = await make();
    this.other = await make();
    this.metadataXML = this.idp.getMetadata();
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private sp() {
    return samlify.ServiceProvider({ entityID: this.acs, assertionConsumerService: [{ Binding: POST, Location: this.acs }], wantAssertionsSigned: true });
  }

  private async handle(path: string): Promise<{ status: number; type: string; body: string }> {
    const url = new URL(path, this.url);
    if (url.pathname === '/metadata') return { status: 200, type: 'application/samlmetadata+xml', body: this.metadataXML };
    if (url.pathname !== '/sso') return { status: 404, type: 'text/plain', body: 'not found' };
    const sp = this.sp();
    const info = await this.idp!.parseLoginRequest(sp, 'redirect', { query: Object.fromEntries(url.searchParams) });
    const user = this.signedIn;
    if (!user) return { status: 200, type: 'text/html', body: '<h1>Sign in</h1>' };
    const signer = this.signWith === 'own' ? this.idp! : this.other!;
    const requestId = (info as { extract?: { request?: { id?: string } } }).extract?.request?.id ?? '';
    const { context } = await signer.createLoginResponse(sp, info as never, 'post', { email: user.nameID }, (template: string) => {
      const now = new Date();
      const later = new Date(now.getTime() + 5 * 60_000).toISOString();
      const id = `_${Math.random().toString(16).slice(2)}${Date.now()}`;
      const attrs = Object.entries(user.attributes)
        .map(([name, values]) => `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
        .join('');
      const tags: Record<string, string> = {
        ID: id,
        AssertionID: `${id}a`,
        Destination: this.acs,
        Audience: this.acs,
        EntityID: this.acs,
        SubjectRecipient: this.acs,
        Issuer: `${this.url}/metadata`,
        IssueInstant: now.toISOString(),
        AssertionConsumerServiceURL: this.acs,
        StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
        ConditionsNotBefore: new Date(now.getTime() - 1000).toISOString(),
        ConditionsNotOnOrAfter: later,
        SubjectConfirmationDataNotOnOrAfter: later,
        NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        NameID: esc(user.nameID),
        InResponseTo: requestId,
        AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${id}s"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
        AttributeStatement: attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : '',
      };
      return { id, context: template.replace(/\{(\w+)\}/g, (_m: string, k: string) => tags[k] ?? '') };
    });
    let response = context;
    if (this.tamper) response = Buffer.from(this.tamper(Buffer.from(context, 'base64').toString('utf8'))).toString('base64');
    const relay = url.searchParams.get('RelayState') ?? '';
    const body = `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${esc(this.acs)}"><input type="hidden" name="SAMLResponse" value="${esc(response)}"/><input type="hidden" name="RelayState" value="${esc(relay)}"/><noscript><button type="submit">Continue</button></noscript></form></body></html>`;
    return { status: 200, type: 'text/html', body };
  }
}

/** The hidden fields and action of an auto-submitting form (what a browser would post). */
export function formOf(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) fields[m[1]] = m[2].replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n)));
  return { action: action.replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n))), fields };
}
