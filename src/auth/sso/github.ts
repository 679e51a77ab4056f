/**
 * GitHub login (Teleport's GitHub connector v3): the OAuth web flow against `endpoint_url` (default
 * https://github.com) and the REST API at `api_endpoint_url` (default https://api.github.com, for
 * GitHub Enterprise `https://<host>/api/v3`): `GET /user` for the login, `GET /user/teams` (every
 * page) for `org/team` memberships. `teams_to_roles` gives roles; `teams_to_logins` gives OS logins
 * and Kubernetes groups/users as traits with the preset `access` role, as the open-source Teleport of
 * the 2019 tutorials did (an entry of `logins` naming an existing role is taken as that role, as
 * later releases read it).
 */
import { AccessDeniedError, isCode } from '../../api/errors.js';
import type { GithubConnector } from '../../api/types/index.js';
import type { Services } from '../../services/index.js';
import { idpFetch, type ConnectorSummary, type SSOProvider } from './provider.js';
import type { SSOAuthRequest } from './requests.js';
import { SSOUserRefusedError, connectorNotFound, type SSOIdentity } from './sso-users.js';

/** The role teams_to_logins users get, whose logins and groups come from their traits. */
export const TEAMS_TO_LOGINS_ROLE = 'access';

/** A GitHub team as `/user/teams` lists it. */
interface GithubTeam {
  slug?: string;
  name?: string;
  organization?: { login?: string };
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/** The GitHub provider over the stored `github` connectors. */
export class GithubProvider implements SSOProvider {
  readonly kind = 'github' as const;

  constructor(private readonly services: Services) {}

  async list(): Promise<ConnectorSummary[]> {
    return (await this.services.github.list()).map((c) => ({ name: c.metadata.name, display: c.spec.display || 'GitHub' }));
  }

  async prepare(connector: string): Promise<Partial<SSOAuthRequest>> {
    await this.connector(connector);
    return {};
  }

  async loginURL(req: SSOAuthRequest): Promise<string> {
    const c = await this.connector(req.connector_id);
    const u = new URL(`${trimSlash(c.spec.endpoint_url || 'https://github.com')}/login/oauth/authorize`);
    u.searchParams.set('client_id', c.spec.client_id);
    u.searchParams.set('redirect_uri', c.spec.redirect_url);
    u.searchParams.set('scope', 'read:org');
    u.searchParams.set('state', req.id);
    return u.toString();
  }

  requestId(params: Record<string, string>): string | undefined {
    return params.state;
  }

  async finish(req: SSOAuthRequest, params: Record<string, string>): Promise<SSOIdentity> {
    const c = await this.connector(req.connector_id);
    if (params.error) throw new AccessDeniedError(`GitHub refused the login: ${params.error_description || params.error}`);
    if (!params.code) throw new AccessDeniedError('GitHub sent no authorization code back');
    const token = await this.exchange(c, params.code);
    const api = trimSlash(c.spec.api_endpoint_url || 'https://api.github.com');
    const user = (await this.apiGet(api, '/user', token)) as { login?: unknown };
    if (typeof user?.login !== 'string' || user.login === '') throw new AccessDeniedError('GitHub returned no login for the user');
    const teams = await this.teams(api, token);
    const roleNames = new Set((await this.services.roles.list()).map((r) => r.metadata.name));
    return mapGithubTeams(c, user.login, teams, roleNames);
  }

  private async connector(name: string): Promise<GithubConnector> {
    try {
      return await this.services.github.get(name);
    } catch (err) {
      if (isCode(err, 'not_found') || isCode(err, 'bad_parameter')) throw connectorNotFound('github', name, err);
      throw err;
    }
  }

  /** `POST <endpoint>/login/oauth/access_token`: the code for an access token (a used or wrong code is refused by GitHub). */
  private async exchange(c: GithubConnector, code: string): Promise<string> {
    const url = `${trimSlash(c.spec.endpoint_url || 'https://github.com')}/login/oauth/access_token`;
    const res = await idpFetch('GitHub', url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: c.spec.client_id, client_secret: c.spec.client_secret, code, redirect_uri: c.spec.redirect_url }).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      throw new AccessDeniedError(`GitHub refused the authorization code: ${body.error_description || body.error || `HTTP ${res.status}`}`);
    }
    return body.access_token;
  }

  private async apiGet(api: string, path: string, token: string): Promise<unknown> {
    const res = await idpFetch('the GitHub API', `${api}${path}`, { headers: { accept: 'application/vnd.github+json', authorization: `token ${token}` } });
    if (!res.ok) throw new AccessDeniedError(`the GitHub API refused ${path}: HTTP ${res.status}`);
    return res.json();
  }

  /** Every page of `/user/teams` (100 a page, following `Link: rel="next"`, at most 20 pages). */
  private async teams(api: string, token: string): Promise<GithubTeam[]> {
    const out: GithubTeam[] = [];
    for (let page = 1; page <= 20; page++) {
      const batch = await this.apiGet(api, `/user/teams?per_page=100&page=${page}`, token);
      if (!Array.isArray(batch)) throw new AccessDeniedError('the GitHub API returned no team list');
      out.push(...(batch as GithubTeam[]));
      if (batch.length < 100) break;
    }
    return out;
  }
}

/**
 * Roles and traits of GitHub user `login` in `teams` per the connector (`roleNames`: the roles that
 * exist, which `teams_to_logins` entries may name). Throws AccessDeniedError, Teleport's text, when
 * no mapping matches.
 */
export function mapGithubTeams(c: GithubConnector, login: string, teams: readonly GithubTeam[], roleNames: ReadonlySet<string> = new Set()): SSOIdentity {
  const member = new Set(teams.map((t) => `${t.organization?.login ?? ''}/${t.slug ?? ''}`.toLowerCase()));
  const has = (org: string, team: string) => member.has(`${org}/${team}`.toLowerCase());
  const roles = new Set<string>();
  const logins = new Set<string>();
  const kubeGroups = new Set<string>();
  const kubeUsers = new Set<string>();
  let matched = false;
  for (const m of c.spec.teams_to_roles ?? []) {
    if (!has(m.organization, m.team)) continue;
    matched = true;
    m.roles.forEach((r) => roles.add(r));
  }
  for (const m of c.spec.teams_to_logins ?? []) {
    if (!has(m.organization, m.team)) continue;
    matched = true;
    const osLogins = (m.logins ?? []).filter((l) => !roleNames.has(l));
    (m.logins ?? []).filter((l) => roleNames.has(l)).forEach((r) => roles.add(r));
    if (osLogins.length > 0 || (m.logins ?? []).length === 0) roles.add(TEAMS_TO_LOGINS_ROLE);
    osLogins.forEach((l) => logins.add(l));
    (m.kubernetes_groups ?? []).forEach((g) => kubeGroups.add(g));
    (m.kubernetes_users ?? []).forEach((u) => kubeUsers.add(u));
  }
  if (!matched) {
    throw new SSOUserRefusedError(`user "${login}" does not belong to any teams configured in "${c.metadata.name}" connector; the configuration may have typos.`, login);
  }
  const traits: Record<string, string[]> = {
    logins: logins.size > 0 ? [...logins] : [login],
    github_teams: teams.map((t) => `${t.organization?.login ?? ''}/${t.slug ?? ''}`),
  };
  if (kubeGroups.size > 0) traits.kubernetes_groups = [...kubeGroups];
  if (kubeUsers.size > 0) traits.kubernetes_users = [...kubeUsers];
  return { kind: 'github', connector: c.metadata.name, username: login, roles: [...roles], traits };
}
