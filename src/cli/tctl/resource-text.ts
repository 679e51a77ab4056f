/** Shared by `get`, `create`, `rm`, `edit`: fetching by reference and naming resources in messages. */
import type { AuthClient } from '../../api/client/index.js';
import type { AnyResource, KindRef } from '../../api/types/index.js';
import { kindInfo } from '../../api/types/index.js';

/** Resources a `kind[/name]` reference names (a singleton kind without a name reads its one resource). */
export async function fetchRef(client: AuthClient, ref: KindRef, withSecrets: boolean): Promise<AnyResource[]> {
  if (ref.name !== undefined) return [await client.getResource<AnyResource>(ref.kind, ref.name, { withSecrets })];
  return client.listResources<AnyResource>(ref.kind, { withSecrets });
}

/** The name `rm`/`get` take for a resource (`cert_authority` is addressed as `<type>/<cluster>`). */
export function refName(r: AnyResource): string {
  if (r.kind === 'cert_authority') return `${r.spec.type}/${r.metadata.name}`;
  return r.metadata.name;
}

/** `role "dev"` / `database "pg"` / `cluster auth preference` as messages print them. */
export function describe(r: { kind: string; metadata: { name: string } }): string {
  const info = kindInfo(r.kind);
  if (info?.singleton) return r.kind.replace(/_/g, ' ');
  // Teleport names the db kind in full: `database "pg-main" has been created`.
  if (r.kind === 'db') return `database "${r.metadata.name}"`;
  if (r.kind === 'app') return `application "${r.metadata.name}"`;
  // Connectors are created as `authentication connector "github" has been created`.
  if (CONNECTOR_KINDS.has(r.kind)) return `authentication connector "${r.metadata.name}"`;
  return `${r.kind} "${r.metadata.name}"`;
}

const CONNECTOR_KINDS = new Set(['github', 'oidc', 'saml']);

/** What `tctl rm` names: Teleport's `github connector "github"`, `OIDC connector x`, `SAML connector x`; else describe(). */
export function describeDeleted(r: { kind: string; metadata: { name: string } }): string {
  if (r.kind === 'github') return `github connector "${r.metadata.name}"`;
  if (r.kind === 'oidc') return `OIDC connector ${r.metadata.name}`;
  if (r.kind === 'saml') return `SAML connector ${r.metadata.name}`;
  return describe(r);
}
