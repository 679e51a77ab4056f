/**
 * A stand-in for GitHub's OAuth app flow and the REST API calls an SSO login makes, faithful to
 * GitHub's documented behaviour (docs.github.com "Authorizing OAuth apps", "REST API: users, teams"):
 * - `GET /login/oauth/authorize?client_id&redirect_uri&scope&state`: the signed-in user approves at
 *   once (the test chooses who is signed in); a redirect_uri outside the app's callback URL goes back
 *   with `error=redirect_uri_mismatch`, an unknown client_id is a 404 page.
 * - `POST /login/oauth/access_token` (form or JSON; `Accept: application/json`): a code is good once
 *   and for 10 minutes, only for the app it was issued to; errors are HTTP 200 with `error`, as GitHub's.
 * - `GET /api/v3/user`, `GET /api/v3/user/teams` (GitHub Enterprise's API prefix; `api_endpoint_url`):
 *   `Authorization: token <t>` or `Bearer <t>`, 401 `Bad credentials` otherwise; teams paginate
 *   with `per_page`/`page` and a `Link` header.
 * `close()` stops it (an IdP that is down); `slowMs` delays every answer.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A GitHub user and their team memberships (`org/team-slug`). */
export interface StandinUser {
  login: string;
  teams: string[];
}

/** The registered OAuth app. */
export interface StandinApp {
  clientId: string;
  clientSecret: string;
  /** The app's "Authorization callback URL": redirect_uri must be it or below it. */
  callbackURL: string;
}

/** The running stand-in. */
export class GithubStandin {
  private server?: Server;
  private readonly users = new Map<string, StandinUser>();
  private readonly codes = new Map<string, { login: string; clientId: string; redirectURI: string; expires: number }>();
  private readonly tokens = new Map<string, string>();
  /** Who is signed in to GitHub in "the browser"; authorize approves as them. */
  signedIn?: string;
  /** Delay before every answer (a slow IdP). */
  slowMs = 0;
  /** Every authorize request seen (the test checks scope and state). */
  readonly authorizeRequests: URLSearchParams[] = [];
  url = '';

  constructor(private readonly app: StandinApp) {}

  addUser(u: StandinUser): void {
    this.users.set(u.login, u);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    return this.url;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.slowMs > 0) await new Promise((r) => setTimeout(r, this.slowMs));
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') return this.authorize(url.searchParams, res);
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') return this.accessToken(req, res);
    if (req.method === 'GET' && url.pathname === '/api/v3/user') return this.user(req, res);
    if (req.method === 'GET' && url.pathname === '/api/v3/user/teams') return this.teams(req, url.searchParams, res);
    json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  private authorize(q: URLSearchParams, res: ServerResponse): void {
    this.authorizeRequests.push(q);
    if (q.get('client_id') !== this.app.clientId) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
      return;
    }
    const redirectURI = q.get('redirect_uri') ?? this.app.callbackURL;
    const state = q.get('state') ?? '';
    const back = new URL(redirectURI);
    if (!redirectURI.startsWith(this.app.callbackURL)) {
      const cb = new URL(this.app.callbackURL);
      cb.searchParams.set('error', 'redirect_uri_mismatch');
      cb.searchParams.set('error_description', 'The redirect_uri MUST match the registered callback URL for this application.');
      cb.searchParams.set('state', state);
      res.writeHead(302, { location: cb.toString() }).end();
      return;
    }
    if (!this.signedIn) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Sign in to GitHub</h1>');
      return;
    }
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, { login: this.signedIn, clientId: this.app.clientId, redirectURI, expires: Date.now() + 10 * 60_000 });
    back.searchParams.set('code', code);
    back.searchParams.set('state', state);
    res.writeHead(302, { location: back.toString() }).end();
  }

  private async accessToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await body(req);
    const p = (req.headers['content-type'] ?? '').includes('json') ? new URLSearchParams(JSON.parse(raw || '{}') as Record<string, string>) : new URLSearchParams(raw);
    const fail = (error: string, description: string) => {
      const out = { error, error_description: description, error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' };
      if ((req.headers.accept ?? '').includes('json')) json(res, 200, out);
      else res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(new URLSearchParams(out).toString());
    };
    if (p.get('client_id') !== this.app.clientId || p.get('client_secret') !== this.app.clientSecret) {
      return fail('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
    }
    const code = p.get('code') ?? '';
    const c = this.codes.get(code);
    this.codes.delete(code);
    if (!c || c.expires < Date.now() || c.clientId !== this.app.clientId) return fail('bad_verification_code', 'The code passed is incorrect or expired.');
    if (p.get('redirect_uri') && p.get('redirect_uri') !== c.redirectURI) return fail('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
    const token = `gho_${randomBytes(18).toString('hex')}`;
    this.tokens.set(token, c.login);
    const out = { access_token: token, token_type: 'bearer', scope: 'read:org' };
    if ((req.headers.accept ?? '').includes('json')) json(res, 200, out);
    else res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(new URLSearchParams(out).toString());
  }

  private who(req: IncomingMessage, res: ServerResponse): StandinUser | undefined {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const login = m ? this.tokens.get(m[1]) : undefined;
    const u = login ? this.users.get(login) : undefined;
    if (!u) json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    return u;
  }

  private user(req: IncomingMessage, res: ServerResponse): void {
    const u = this.who(req, res);
    if (!u) return;
    json(res, 200, { login: u.login, id: hash(u.login), node_id: `U_${u.login}`, type: 'User', site_admin: false, name: u.login, email: null });
  }

  private teams(req: IncomingMessage, q: URLSearchParams, res: ServerResponse): void {
    const u = this.who(req, res);
    if (!u) return;
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30)));
    const page = Math.max(1, Number(q.get('page') ?? 1));
    const all = u.teams.map((t) => {
      const [org, slug] = t.split('/');
      return { id: hash(t), node_id: `T_${t}`, name: slug, slug, privacy: 'closed', permission: 'pull', organization: { login: org, id: hash(org), node_id: `O_${org}` } };
    });
    const items = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length) headers.link = `<${this.url}/api/v3/user/teams?per_page=${perPage}&page=${page + 1}>; rel="next"`;
    json(res, 200, items, headers);
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

function hash(s: string): number {
  let h = 7;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return h;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
