// GitHub team mapping: teams_to_roles gives roles; teams_to_logins gives OS logins and Kubernetes
// groups with the access role (an entry naming an existing role is that role); no team, Teleport's refusal.
import { describe, expect, it } from 'vitest';
import { validateGithubConnector } from '../../api/types/index.js';
import { mapGithubTeams } from './github.js';

const connector = validateGithubConnector({
  kind: 'github',
  version: 'v3',
  metadata: { name: 'github' },
  spec: {
    client_id: 'id',
    client_secret: 's',
    redirect_url: 'https://proxy/v1/webapi/github/callback',
    teams_to_logins: [
      { organization: 'octocats', team: 'admins', logins: ['root'], kubernetes_groups: ['system:masters'] },
      { organization: 'octocats', team: 'ops', logins: ['editor'] },
    ],
    teams_to_roles: [{ organization: 'octocats', team: 'devs', roles: ['auditor'] }],
  },
});
const team = (org: string, slug: string) => ({ slug, organization: { login: org } });

describe('mapGithubTeams', () => {
  it('maps teams_to_logins to traits with the access role, teams_to_roles to roles', () => {
    const id = mapGithubTeams(connector, 'octocat', [team('octocats', 'admins'), team('OctoCats', 'DEVS')], new Set(['access', 'auditor', 'editor']));
    expect(id.roles.sort()).toEqual(['access', 'auditor']);
    expect(id.traits).toEqual({ logins: ['root'], kubernetes_groups: ['system:masters'], github_teams: ['octocats/admins', 'OctoCats/DEVS'] });
  });

  it('takes a teams_to_logins entry naming an existing role as that role; the GitHub login is the login then', () => {
    const id = mapGithubTeams(connector, 'opscat', [team('octocats', 'ops')], new Set(['access', 'editor']));
    expect(id.roles).toEqual(['editor']);
    expect(id.traits.logins).toEqual(['opscat']);
  });

  it('refuses a user in no mapped team', () => {
    expect(() => mapGithubTeams(connector, 'stranger', [team('octocats', 'other')])).toThrow('user "stranger" does not belong to any teams configured in "github" connector; the configuration may have typos.');
  });
});
