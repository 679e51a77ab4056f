/**
 * A host's side of the Kubernetes join method: the pod's service account token, from the path
 * Kubernetes mounts it at, or `KUBERNETES_TOKEN_PATH` (as Teleport reads it) for a projected token
 * with its own audience and lifetime.
 */
import { readFile } from 'node:fs/promises';
import { BadParameterError } from '../api/errors.js';

/** Where Kubernetes mounts a pod's service account token. */
export const KUBERNETES_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Reads the service account token. BadParameterError naming the path when it cannot be read. */
export async function readServiceAccountToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const path = env.KUBERNETES_TOKEN_PATH || KUBERNETES_TOKEN_PATH;
  let token: string;
  try {
    token = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new BadParameterError(`the Kubernetes join method reads the pod's service account token from ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (set KUBERNETES_TOKEN_PATH for a projected token elsewhere)`, { cause: err });
  }
  if (token === '') throw new BadParameterError(`the service account token file ${path} is empty`);
  return token;
}
