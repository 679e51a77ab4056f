/**
 * First start and every start of the auth server: the cluster name (fixed once chosen), the four
 * certificate authorities, preset roles (created when absent, never overwritten) and the cluster
 * auth preference from teleport.yaml.
 */
import { randomUUID } from 'node:crypto';
import { BadParameterError, isCode } from '../api/errors.js';
import type { AuthPreference, ClusterName, NetworkingConfigSpec } from '../api/types/index.js';
import { NETWORKING_CONFIG_NAME, validateNetworkingConfig } from '../api/types/index.js';
import { presetRoles } from '../rbac/index.js';
import type { Services } from '../services/index.js';
import { CA_TYPES, newCertAuthority } from './authorities.js';

/** What teleport.yaml says about the cluster. */
export interface ClusterInitOptions {
  clusterName: string;
  /** `auth_service.authentication` values given in the file (others keep their stored or default values). */
  authPreference?: Partial<AuthPreference['spec']>;
  /** `auth_service` networking keys given in the file (the others keep their stored or default values). */
  networking?: Partial<NetworkingConfigSpec>;
}

/** Creates what is missing; refuses to start when the stored cluster name differs from the configured one. */
export async function initCluster(services: Services, opts: ClusterInitOptions): Promise<void> {
  const clusterName = await ensureClusterName(services, opts.clusterName);
  for (const type of CA_TYPES) {
    const store = services.authorities(type);
    try {
      await store.get(clusterName);
    } catch (err) {
      if (!isCode(err, 'not_found')) throw err;
      await createIgnoringRace(() => newCertAuthority(clusterName, type, services.clock).then((ca) => store.create(ca)));
    }
  }
  for (const role of presetRoles()) {
    await createIgnoringRace(() => services.roles.create(role));
  }
  await ensureAuthPreference(services, opts.authPreference);
  await ensureNetworkingConfig(services, opts.networking ?? {});
}

/** The stored cluster_networking_config with the file's values over it (created with defaults when missing). */
async function ensureNetworkingConfig(services: Services, fromFile: Partial<NetworkingConfigSpec>): Promise<void> {
  let current: Partial<NetworkingConfigSpec> | undefined;
  try {
    current = (await services.networkingConfig.get(NETWORKING_CONFIG_NAME)).spec;
  } catch (err) {
    if (!isCode(err, 'not_found')) throw err;
  }
  if (current && Object.keys(fromFile).length === 0) return;
  const origin = Object.keys(fromFile).length > 0 ? 'config-file' : 'defaults';
  await services.networkingConfig.upsert(
    validateNetworkingConfig({
      kind: 'cluster_networking_config',
      version: 'v2',
      metadata: { name: NETWORKING_CONFIG_NAME, labels: { 'teleport.dev/origin': origin } },
      spec: { ...current, ...fromFile },
    }),
  );
}

async function createIgnoringRace(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    // Another auth server (or a previous start) created it first: keep theirs.
    if (!isCode(err, 'already_exists')) throw err;
  }
}

async function ensureClusterName(services: Services, wanted: string): Promise<string> {
  try {
    const stored = await services.clusterName.get('cluster-name');
    const name = stored.spec.cluster_name;
    if (wanted && name !== wanted) {
      throw new BadParameterError(
        `cluster name mismatch: the data directory holds cluster "${name}" but the configuration says "${wanted}"; ` +
          'a cluster name cannot be changed after the first start (use a new data_dir for a new cluster)',
      );
    }
    return name;
  } catch (err) {
    if (!isCode(err, 'not_found')) throw err;
  }
  const resource = {
    kind: 'cluster_name',
    version: 'v2',
    metadata: { name: 'cluster-name' },
    spec: { cluster_name: wanted, cluster_id: randomUUID() },
  } as ClusterName;
  await createIgnoringRace(() => services.clusterName.create(resource));
  return (await services.clusterName.get('cluster-name')).spec.cluster_name;
}

async function ensureAuthPreference(services: Services, fromFile: Partial<AuthPreference['spec']> | undefined): Promise<void> {
  let current: AuthPreference | undefined;
  try {
    current = await services.authPreference.get('cluster-auth-preference');
  } catch (err) {
    if (!isCode(err, 'not_found')) throw err;
  }
  if (current && (!fromFile || Object.keys(fromFile).length === 0)) return;
  // Values in teleport.yaml win over stored ones, as in Teleport (the file is the source of truth for them).
  const next = {
    kind: 'cluster_auth_preference',
    version: 'v2',
    metadata: { name: 'cluster-auth-preference', labels: { 'teleport.dev/origin': fromFile ? 'config-file' : 'defaults' } },
    spec: { ...(current?.spec ?? {}), ...(fromFile ?? {}) },
  } as AuthPreference;
  await services.authPreference.upsert(next);
}
