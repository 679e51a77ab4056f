/** Administration calls: users and their links, roles as YAML, join tokens. */
import type { JoinTokenResponse, ResourceItem, SaveUserRequest, WebJoinToken, WebUser } from '@api/web-wire';
import { api } from './http';

export function fetchUsers(): Promise<WebUser[]> {
  return api<WebUser[]>('GET', '/v1/webapi/users');
}

export function createUser(u: SaveUserRequest): Promise<WebUser> {
  return api<WebUser>('POST', '/v1/webapi/users', u);
}

export function updateUser(u: SaveUserRequest): Promise<WebUser> {
  return api<WebUser>('PUT', '/v1/webapi/users', u);
}

export async function deleteUser(name: string): Promise<void> {
  await api('DELETE', `/v1/webapi/users/${encodeURIComponent(name)}`);
}

/** An invite link for a new user, or a reset link (`password`) for an existing one. */
export interface UserLink {
  tokenId: string;
  user: string;
  expiry: string;
  url: string;
  type: 'invite' | 'reset';
}

export function createUserLink(name: string, type: 'invite' | 'password'): Promise<UserLink> {
  return api<UserLink>('POST', '/v1/webapi/users/password/token', { name, type });
}

export async function fetchRoles(): Promise<ResourceItem[]> {
  return (await api<{ items: ResourceItem[] }>('GET', '/v1/webapi/roles')).items;
}

/** Creates (no `name`) or replaces role `name` from YAML. Throws ApiError with `field`/`line` for invalid text. */
export function saveRole(content: string, name?: string): Promise<ResourceItem> {
  return name === undefined
    ? api<ResourceItem>('POST', '/v1/webapi/roles', { content })
    : api<ResourceItem>('PUT', `/v1/webapi/roles/${encodeURIComponent(name)}`, { content });
}

export async function deleteRole(name: string): Promise<void> {
  await api('DELETE', `/v1/webapi/roles/${encodeURIComponent(name)}`);
}

export async function fetchJoinTokens(): Promise<WebJoinToken[]> {
  return (await api<{ items: WebJoinToken[] }>('GET', '/v1/webapi/tokens')).items;
}

/** A node join token with its install command. */
export function createJoinToken(labels: { name: string; value: string }[], ttlSeconds: number): Promise<JoinTokenResponse> {
  return api<JoinTokenResponse>('POST', '/v1/webapi/token', { roles: ['Node'], join_method: 'token', ttl_seconds: ttlSeconds, suggested_labels: labels });
}

export async function deleteJoinToken(id: string): Promise<void> {
  await api('DELETE', '/v1/webapi/tokens', undefined, { headers: { 'X-Teleport-TokenName': id } });
}
