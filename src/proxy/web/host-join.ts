/**
 * Joining through the proxy, for hosts that can reach only the proxy's web address (nodes behind a
 * reverse tunnel): `POST /webapi/host/credentials` registers with a join token, as Teleport's
 * proxy forwards the request to auth; `GET /webapi/auth/export?type=tls-host` hands out the host
 * CA certificate unauthenticated, so a joiner can check it against its CA pin before sending the
 * token (the proxy's own certificate is signed by that CA unless https_keypairs are configured).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostCertsResponse, RegisterRequest } from '../../api/auth-wire.js';
import { BadParameterError, isCode } from '../../api/errors.js';
import type { ProxyAuth } from '../proxy-auth.js';
import { readJSONBody, sendJSON } from '../../httpserver/index.js';
import type { UnauthenticatedLimiter } from '../../limiter/index.js';

const MAX_BODY = 64 * 1024;

/**
 * Answers the join routes (true), or leaves the request to the caller (false). Throws the auth
 * server's typed errors (AccessDeniedError for a bad token, BadParameterError for a bad body), and
 * LimitExceededError once a client IP's refused joins used up `strangers`' rate (successful joins
 * cost nothing, so that a fleet can join at once).
 */
export async function handleHostJoin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  auth: ProxyAuth,
  strangers?: UnauthenticatedLimiter,
): Promise<boolean> {
  if (req.method === 'POST' && path === '/webapi/host/credentials') {
    const ip = req.socket.remoteAddress ?? '';
    strangers?.check(ip);
    const remoteAddr = `${ip}:${req.socket.remotePort ?? 0}`;
    let creds: HostCertsResponse;
    try {
      creds = await registerThroughProxy(auth, await readJSONBody(req, MAX_BODY), remoteAddr);
    } catch (err) {
      if (strangers && (isCode(err, 'access_denied') || isCode(err, 'not_found') || isCode(err, 'bad_parameter'))) {
        try {
          strangers.take(ip);
        } catch {
          // Already at the limit: the next attempt is refused.
        }
      }
      throw err;
    }
    sendJSON(res, 200, creds);
    return true;
  }
  if (req.method === 'GET' && path === '/webapi/auth/export') {
    const type = query.get('type') ?? 'tls-host';
    if (type !== 'tls-host' && type !== 'tls') throw new BadParameterError(`unsupported CA export type "${type}" on the proxy (supported: tls-host)`);
    const pems = (await auth.ping()).host_ca_certs;
    res.writeHead(200, { 'content-type': 'application/x-pem-file' });
    res.end(pems.map((p) => p.trim() + '\n').join(''));
    return true;
  }
  return false;
}

/**
 * The join request as Teleport's RegisterUsingTokenRequest names it (`public_tls_key` is the host's
 * PEM public key; our own clients send it as `public_key`), handed to auth's token registration.
 */
async function registerThroughProxy(auth: ProxyAuth, body: unknown, remoteAddr: string): Promise<HostCertsResponse> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadParameterError('expected a JSON object');
  const b = body as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
  const list = (k: string): string[] => (Array.isArray(b[k]) ? (b[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  const publicKey = str('public_key') ?? str('public_tls_key');
  if (!publicKey) throw new BadParameterError('missing public_key (or public_tls_key): the host\'s PEM public key');
  const req: RegisterRequest = {
    token: str('token') ?? '',
    host_id: str('host_id') ?? '',
    node_name: str('node_name') ?? '',
    role: str('role') ?? '',
    public_key: publicKey,
    additional_principals: list('additional_principals'),
    dns_names: list('dns_names'),
    // The proof of a secretless join method (ec2, iam, kubernetes), checked by auth.
    ...(str('join_method') && { join_method: str('join_method') }),
    ...(str('ec2_identity_document') && { ec2_identity_document: str('ec2_identity_document') }),
    ...(str('sts_identity_request') && { sts_identity_request: str('sts_identity_request') }),
    ...(str('id_token') && { id_token: str('id_token') }),
  };
  return auth.register(req, { remoteAddr });
}
