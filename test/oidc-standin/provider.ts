/**
 * A real OpenID provider for tests: `oidc-provider` (a certified OpenID Connect implementation) on
 * 127.0.0.1 over plain http, with its development login and consent pages (any login and password
 * sign in; the login names the account), PKCE required, and accounts whose `email` and `groups`
 * claims the test chooses. Only the login and the provider's listener are ours.
 */
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';

/** The running provider. */
export interface OIDCStandin {
  issuer: string;
  close(): Promise<void>;
}

/** Starts a provider with one client (`clientId`/`clientSecret`, redirect `redirectURI`); `groups` per login. */
export async function startOIDCProvider(opts: { clientId: string; clientSecret: string; redirectURI: string; groups: Record<string, string[]> }): Promise<OIDCStandin> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: opts.clientId,
        client_secret: opts.clientSecret,
        redirect_uris: [opts.redirectURI],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.com`, email_verified: true, groups: opts.groups[id] ?? [] }),
    }),
  });
  server.on('request', provider.callback());
  return {
    issuer,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
