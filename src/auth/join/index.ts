/**
 * The secretless join methods: a host names a token (whose name is no secret) and proves who it is
 * with its cloud's identity instead: an EC2 instance identity document, a signed STS request, a
 * Kubernetes service account token. `checkMethodJoin` checks the token fits the method and role,
 * then the method's proof, and returns what was proven for the audit event.
 */
import type { Clock } from '../../api/clock.js';
import { AccessDeniedError, isCode } from '../../api/errors.js';
import type { RegisterRequest } from '../../api/auth-wire.js';
import type { ProvisionToken } from '../../api/types/index.js';
import type { Services } from '../../services/index.js';
import { checkEC2Join, type EC2JoinOptions } from './ec2.js';
import { checkIAMJoin, type IAMJoinOptions } from './iam.js';
import { checkKubernetesJoin, type KubernetesJoinOptions } from './kubernetes.js';

export { AWS_IID_CERTIFICATES } from './aws-certificates.js';
export { verifyInstanceIdentity, type InstanceIdentity } from './iid.js';
export { arnMatches, isSTSHost } from './iam.js';
export { inClusterAPI, type KubernetesAPI } from './kubernetes.js';
export type { EC2JoinOptions, IAMJoinOptions, KubernetesJoinOptions };

/** The join methods auth runs besides `token`. */
export const SECRETLESS_JOIN_METHODS = ['ec2', 'iam', 'kubernetes'] as const;

/** How auth reaches AWS and Kubernetes to check joins (every field defaults to the real services). */
export interface JoinMethodOptions {
  ec2?: EC2JoinOptions;
  iam?: IAMJoinOptions;
  kubernetes?: KubernetesJoinOptions;
}

/** What auth needs to check a join. */
export interface MethodJoinContext {
  services: Services;
  clusterName: string;
  clock: Clock;
  options: JoinMethodOptions;
}

/**
 * Checks a join with a secretless method. Throws AccessDeniedError (unknown token, another method,
 * a role the token does not grant, a failed proof) with a message saying which.
 */
export async function checkMethodJoin(req: RegisterRequest, role: string, ctx: MethodJoinContext): Promise<Record<string, unknown>> {
  const method = req.join_method ?? 'token';
  let token: ProvisionToken;
  try {
    token = await ctx.services.tokens.get(req.token);
  } catch (err) {
    if (isCode(err, 'not_found') || isCode(err, 'bad_parameter')) {
      throw new AccessDeniedError(`there is no join token "${req.token}" (or it expired); create it with "tctl create" (kind: token, join_method: ${method})`);
    }
    throw err;
  }
  const tokenMethod = token.spec.join_method || 'token';
  if (tokenMethod !== method) {
    throw new AccessDeniedError(`the join token "${req.token}" is for the ${tokenMethod} join method, but the host joined with ${method}; set teleport.join_params.method: ${tokenMethod}`);
  }
  if (!token.spec.roles.some((r) => r.toLowerCase() === role.toLowerCase())) {
    throw new AccessDeniedError(`the join token "${req.token}" does not allow joining as "${role}" (it allows: ${token.spec.roles.join(', ')})`);
  }
  try {
    return await checkProof(token, { ...req, role }, method, ctx);
  } catch (err) {
    // Auth failing to reach AWS or Kubernetes is no connection problem of the joining host (which
    // would try its next auth server and report it unreachable): it is this join that failed.
    if (isCode(err, 'connection_problem')) throw new AccessDeniedError(`the auth server could not check this ${method} join: ${(err as Error).message}`, { cause: err });
    throw err;
  }
}

async function checkProof(token: ProvisionToken, attrs: RegisterRequest, method: string, ctx: MethodJoinContext): Promise<Record<string, unknown>> {
  switch (method) {
    case 'ec2': {
      const doc = await checkEC2Join(token, attrs, { clock: ctx.clock, services: ctx.services, options: ctx.options.ec2 ?? {} });
      return { aws_account: doc.accountId, aws_region: doc.region, aws_instance_id: doc.instanceId, pending_time: doc.pendingTime };
    }
    case 'iam': {
      const id = await checkIAMJoin(token, attrs, { services: ctx.services, options: ctx.options.iam ?? {} });
      return { aws_account: id.account, aws_arn: id.arn };
    }
    case 'kubernetes': {
      const username = await checkKubernetesJoin(token, attrs, { clock: ctx.clock, clusterName: ctx.clusterName, options: ctx.options.kubernetes ?? {} });
      return { username };
    }
    default:
      throw new AccessDeniedError(`the ${method} join method is not available in this release (available: token, ${SECRETLESS_JOIN_METHODS.join(', ')})`);
  }
}
