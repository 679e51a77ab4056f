/**
 * A host's identity in the cluster: joined once with a token (checking the auth server against
 * the CA pins) or a secretless method (EC2, IAM, Kubernetes: join-*.ts read the proof), then kept in `<data_dir>/identity/<role>.pem` so restarts need no token.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthClient } from '../api/client/index.js';
import type { HostCertsResponse, RegisterRequest } from '../api/auth-wire.js';
import { BadParameterError, ConnectionProblemError, isCode } from '../api/errors.js';
import { formatIdentityFile, knownHostsLine, parseIdentityFile, type IdentityBundle } from '../api/identity-file.js';
import { iamChallenge } from '../api/join-proof.js';
import type { Logger } from '../log/index.js';
import { readInstanceIdentity } from './join-ec2.js';
import { signedIdentityRequest } from './join-iam.js';
import { readServiceAccountToken } from './join-kubernetes.js';

/** What joining needs. */
export interface JoinOptions {
  dataDir: string;
  hostId: string;
  nodeName: string;
  /** System role: Node, Proxy, ... */
  role: string;
  /** `host:port` of auth servers, tried in order. */
  authServers: string[];
  token?: string;
  /** `teleport.join_params.method`: token (default), ec2, iam or kubernetes (the token is then the token's name). */
  method?: string;
  caPins: string[];
  additionalPrincipals?: string[];
  /** How to register at one of `authServers` (default: the auth API; joinViaProxy for a proxy). */
  register?: (addr: string, caPins: string[], req: RegisterRequest) => Promise<HostCertsResponse>;
  logger: Logger;
}

/** What teleport.yaml's `teleport` section says about joining: data dir, node name, token, method and CA pins. */
export interface JoinSettings {
  dataDir: string;
  nodename: string;
  authToken?: string;
  joinParams?: { tokenName?: string; method?: string };
  caPins: string[];
}

/** JoinOptions for `role` from the `teleport` section, the one place that reads its join keys. */
export function joinOptions(t: JoinSettings, o: Pick<JoinOptions, 'hostId' | 'role' | 'authServers' | 'additionalPrincipals' | 'register' | 'logger'>): JoinOptions {
  return {
    dataDir: t.dataDir,
    nodeName: t.nodename,
    token: t.authToken ?? t.joinParams?.tokenName,
    method: t.joinParams?.method,
    caPins: t.caPins,
    ...o,
  };
}

/** The file holding a role's identity. */
export function identityPath(dataDir: string, role: string): string {
  return join(dataDir, 'identity', `${role.toLowerCase()}.pem`);
}

/** Loads the stored identity, or joins with the token and stores it. */
export async function ensureHostIdentity(opts: JoinOptions): Promise<IdentityBundle> {
  const path = identityPath(opts.dataDir, opts.role);
  try {
    return parseIdentityFile(await readFile(path, 'utf8'), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const method = opts.method ?? 'token';
  if (!opts.token) {
    throw new BadParameterError(
      method === 'token'
        ? `this host has not joined the cluster yet: start it with --token=<token> (from "tctl tokens add --type=${opts.role.toLowerCase()}") and --ca-pin`
        : `this host has not joined the cluster yet: the ${method} join method needs the token's name in teleport.join_params.token_name`,
    );
  }
  if (opts.authServers.length === 0) throw new BadParameterError('no auth server to join: set teleport.auth_servers or pass --auth-server');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // The proof of a secretless method is gathered once, before trying the auth servers.
  const proof = method === 'token' ? {} : await joinProof(method, publicKeyPem);
  let lastErr: unknown;
  for (const addr of opts.authServers) {
    try {
      const register = opts.register ?? ((a: string, caPins: string[], r: RegisterRequest) => AuthClient.join({ addr: a, caPins }, r));
      const res = await register(
        addr,
        opts.caPins,
        {
          token: opts.token,
          host_id: opts.hostId,
          node_name: opts.nodeName,
          role: opts.role,
          public_key: publicKeyPem,
          additional_principals: opts.additionalPrincipals ?? [],
          ...proof,
        },
      );
      const bundle: IdentityBundle = {
        keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        sshCert: res.ssh,
        tlsCert: res.tls,
        tlsCAs: res.tls_ca_certs,
        knownHosts: res.ssh_ca_keys.map((k) => knownHostsLine(res.cluster_name, k)),
      };
      await mkdir(join(opts.dataDir, 'identity'), { recursive: true, mode: 0o700 });
      await writeFile(path, formatIdentityFile(bundle), { mode: 0o600 });
      opts.logger.info({ component: 'join', auth_server: addr, role: opts.role, method }, 'joined the cluster');
      return bundle;
    } catch (err) {
      // Only an unreachable server is worth trying the next one; a refusal is final.
      if (!isCode(err, 'connection_problem')) throw err;
      lastErr = err;
    }
  }
  throw new ConnectionProblemError(`could not reach any auth server (${opts.authServers.join(', ')}): ${(lastErr as Error | undefined)?.message ?? 'no answer'}`, { cause: lastErr });
}

/** The fields a secretless join method adds to the register request, read from this host's cloud. */
async function joinProof(method: string, publicKeyPem: string): Promise<Partial<RegisterRequest>> {
  switch (method) {
    case 'ec2':
      return { join_method: 'ec2', ec2_identity_document: (await readInstanceIdentity()).pkcs7 };
    case 'iam':
      return { join_method: 'iam', sts_identity_request: await signedIdentityRequest(iamChallenge(publicKeyPem)) };
    case 'kubernetes':
      return { join_method: 'kubernetes', id_token: await readServiceAccountToken() };
    default:
      throw new BadParameterError(`join method "${method}" is not available in this release (available: token, ec2, iam, kubernetes)`);
  }
}
