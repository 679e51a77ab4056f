/**
 * The GitHub auth connector (`kind: github`, `version: v3`, facts §3.8): teams map to roles
 * (`teams_to_roles`) or, in the legacy form, to logins and Kubernetes groups (`teams_to_logins`).
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { checkHeader, headerShape, parseWith } from './metadata.js';

/** A `teams_to_roles` entry. */
export interface TeamRolesMapping {
  organization: string;
  team: string;
  roles: string[];
}

/** A legacy `teams_to_logins` entry. */
export interface TeamMapping {
  organization: string;
  team: string;
  logins?: string[];
  kubernetes_groups?: string[];
  kubernetes_users?: string[];
}

/** The GitHub connector spec. */
export interface GithubConnectorSpec {
  client_id: string;
  client_secret: string;
  redirect_url: string;
  display?: string;
  teams_to_roles?: TeamRolesMapping[];
  teams_to_logins?: TeamMapping[];
  endpoint_url?: string;
  api_endpoint_url?: string;
  [other: string]: unknown;
}

/** A validated GitHub connector. */
export type GithubConnector = Resource<'github', GithubConnectorSpec>;

/** zod schema of a github connector document. */
export const githubSchema = z.strictObject({
  ...headerShape('github', ['v3']),
  spec: z.looseObject({
    client_id: z.string().default(''),
    client_secret: z.string().default(''),
    redirect_url: z.string().default(''),
    display: z.string().optional(),
    teams_to_roles: z
      .array(z.strictObject({ organization: z.string().min(1), team: z.string().min(1), roles: z.array(z.string()).min(1) }))
      .optional(),
    teams_to_logins: z
      .array(
        z.strictObject({
          organization: z.string().min(1),
          team: z.string().min(1),
          logins: z.array(z.string()).optional(),
          kubernetes_groups: z.array(z.string()).optional(),
          kubernetes_users: z.array(z.string()).optional(),
        }),
      )
      .optional(),
    endpoint_url: z.string().optional(),
    api_endpoint_url: z.string().optional(),
  }),
});

/** Validate a github connector; it must map at least one team. Throws BadParameterError naming the field. */
export function validateGithubConnector(input: unknown): GithubConnector {
  checkHeader(input, 'github', ['v3']);
  const c = parseWith<GithubConnector>(githubSchema, structuredClone(input), 'github');
  if ((c.spec.teams_to_roles ?? []).length === 0 && (c.spec.teams_to_logins ?? []).length === 0) {
    throw new BadParameterError('spec.teams_to_roles: a GitHub connector must map at least one team to roles');
  }
  for (const url of ['redirect_url', 'endpoint_url', 'api_endpoint_url'] as const) {
    const v = c.spec[url];
    if (v && !/^https?:\/\/\S+$/.test(v)) throw new BadParameterError(`spec.${url}: "${v}" is not an http(s) URL`);
  }
  return c;
}
