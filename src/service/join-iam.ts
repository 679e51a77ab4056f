/**
 * A host's side of the IAM join method: an `sts:GetCallerIdentity` request built and signed by the
 * AWS SDK with this host's credentials (the SDK's chain: environment, shared files, the instance
 * role), with the challenge in a signed `X-Teleport-Challenge` header and `Accept:
 * application/json`, captured before it is sent and handed to auth in its HTTP/1.1 wire form.
 * The regional STS endpoint of `AWS_REGION` / `AWS_DEFAULT_REGION` (else us-east-1) is named.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { BadParameterError } from '../api/errors.js';
import { IAM_CHALLENGE_HEADER } from '../api/join-proof.js';

/** The request as the SDK built it, once signed. */
interface SignedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

class Captured extends Error {
  constructor(readonly request: SignedRequest) {
    super('captured');
  }
}

/**
 * The signed request, base64 of its wire form. BadParameterError when the host has no AWS
 * credentials.
 */
export async function signedIdentityRequest(challenge: string, env: NodeJS.ProcessEnv = process.env, credentials?: AwsCredentialIdentity): Promise<string> {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  // Loaded on first use, as a host that joins otherwise never needs the SDK.
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient({ region, maxAttempts: 1, ...(credentials && { credentials }) });
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = (args as { request: SignedRequest }).request;
      req.headers[IAM_CHALLENGE_HEADER] = challenge;
      req.headers.accept = 'application/json';
      return next(args);
    },
    { step: 'build', name: 'teleportChallenge' },
  );
  // The deserialize step runs after signing (finalizeRequest), just before the request is sent.
  client.middlewareStack.add(
    () => async (args) => {
      throw new Captured((args as { request: SignedRequest }).request);
    },
    { step: 'deserialize', name: 'teleportCapture', priority: 'low' },
  );
  try {
    await client.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    if (err instanceof Captured) return wireForm(err.request);
    throw new BadParameterError(`the IAM join method signs an sts:GetCallerIdentity request with this host's AWS credentials: ${(err as Error).message}`, { cause: err });
  } finally {
    client.destroy();
  }
  throw new BadParameterError('the AWS SDK sent the sts:GetCallerIdentity request instead of handing it over');
}

function wireForm(req: SignedRequest): string {
  const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body instanceof Uint8Array ? Buffer.from(req.body) : Buffer.alloc(0);
  const headers = { ...req.headers, 'content-length': String(body.length) };
  const head = [`${req.method} ${req.path || '/'} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return Buffer.concat([Buffer.from(head + '\r\n\r\n', 'latin1'), body]).toString('base64');
}
