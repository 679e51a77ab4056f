/**
 * The IAM join method (Teleport's `join_method: iam`): the host sends an `sts:GetCallerIdentity`
 * request signed with its AWS credentials (SigV4), carrying the challenge in a signed header. Auth
 * checks that the request goes to a genuine STS host (the global one or a region's), asks for
 * GetCallerIdentity and nothing else, signs the challenge, and was not used before; then sends it
 * to STS itself and matches the identity STS returns against the token's `aws_account` and
 * `aws_arn` (`*` and `?` wildcards). Where a request goes is never taken from the request: the host
 * named in it must be STS's, and only auth's own configuration (`stsEndpoints`, for tests) may
 * point that name elsewhere.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AccessDeniedError, BadParameterError, ConnectionProblemError, isCode } from '../../api/errors.js';
import type { RegisterRequest } from '../../api/auth-wire.js';
import { IAM_CHALLENGE_HEADER, STS_IDENTITY_REQUEST_BODY, iamChallenge } from '../../api/join-proof.js';
import type { ProvisionToken } from '../../api/types/index.js';
import type { Services } from '../../services/index.js';

/** Where auth sends IAM join requests; defaults to STS itself. */
export interface IAMJoinOptions {
  /** Base URLs that stand in for STS host names (`sts.us-east-1.amazonaws.com` → `http://127.0.0.1:1234`), for tests. */
  stsEndpoints?: Record<string, string>;
  /** How long STS may take (default 15 s). */
  timeoutMs?: number;
}

/** The identity STS answered with. */
export interface AWSIdentity {
  account: string;
  arn: string;
}

const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d$/;

/** True for STS's host names: `sts.amazonaws.com`, `sts[-fips].<region>.amazonaws.com[.cn]`. */
export function isSTSHost(host: string): boolean {
  if (host === 'sts.amazonaws.com') return true;
  const m = /^sts(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return m !== null && REGION.test(m[1]);
}

/** A parsed HTTP/1.1 request. */
interface WireRequest {
  method: string;
  target: string;
  headers: Map<string, string>;
  body: Buffer;
}

function parseWire(raw: Buffer): WireRequest {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new BadParameterError('the STS identity request is not an HTTP request');
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target, version] = lines[0].split(' ');
  if (!method || !target || !/^HTTP\/1\.[01]$/.test(version ?? '')) throw new BadParameterError('the STS identity request has a malformed request line');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BadParameterError('the STS identity request has a malformed header');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (headers.has(name)) throw new BadParameterError(`the STS identity request repeats the ${name} header`);
    headers.set(name, line.slice(colon + 1).trim());
  }
  return { method, target, headers, body: raw.subarray(end + 4) };
}

/**
 * Checks the signed request the host sent (base64 of its wire form) and returns it parsed.
 * AccessDeniedError for another host, method, path, action or a missing or wrong challenge.
 */
export function checkSTSRequest(encoded: string, publicKeyPem: string): WireRequest & { host: string } {
  const req = parseWire(Buffer.from(encoded, 'base64'));
  const host = (req.headers.get('host') ?? '').toLowerCase();
  if (!isSTSHost(host)) throw new AccessDeniedError(`the IAM join request is addressed to "${host}", which is not an AWS STS endpoint (sts.amazonaws.com or sts.<region>.amazonaws.com)`);
  if (req.method !== 'POST' || req.target !== '/') throw new AccessDeniedError(`the IAM join request must be "POST /" to STS, not "${req.method} ${req.target}"`);
  const body = req.body.toString('utf8');
  if (body !== STS_IDENTITY_REQUEST_BODY) {
    const action = new URLSearchParams(body).get('Action') ?? 'none';
    throw new AccessDeniedError(`the IAM join request asks STS for action "${action}" (body "${body.slice(0, 100)}"): only ${STS_IDENTITY_REQUEST_BODY} is accepted`);
  }
  const auth = req.headers.get('authorization') ?? '';
  if (!auth.startsWith('AWS4-HMAC-SHA256 ')) throw new AccessDeniedError('the IAM join request is not signed with AWS Signature Version 4');
  const signed = /SignedHeaders=([^,\s]+)/.exec(auth)?.[1].split(';') ?? [];
  if (!signed.includes(IAM_CHALLENGE_HEADER) || !signed.includes('host')) {
    throw new AccessDeniedError(`the IAM join request does not sign the host and ${IAM_CHALLENGE_HEADER} headers`);
  }
  if (req.headers.get(IAM_CHALLENGE_HEADER) !== iamChallenge(publicKeyPem)) {
    throw new AccessDeniedError(`the IAM join request's ${IAM_CHALLENGE_HEADER} does not match the key being joined (a request signed for another join)`);
  }
  return { ...req, host };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-connection', 'expect']);

/** Sends the checked request to STS (or its configured stand-in) and reads the caller's identity. */
export function callSTS(req: WireRequest & { host: string }, options: IAMJoinOptions): Promise<AWSIdentity> {
  const base = new URL(options.stsEndpoints?.[req.host] ?? `https://${req.host}`);
  const send = base.protocol === 'http:' ? httpRequest : httpsRequest;
  // Hop-by-hop headers are the host's connection's, not the request's: STS gets a plain request with its body's length.
  const headers: Record<string, string> = Object.fromEntries([...req.headers].filter(([k]) => !HOP_BY_HOP.has(k)));
  headers['content-length'] = String(req.body.length);
  return new Promise((resolve, reject) => {
    const r = send({ hostname: base.hostname, port: base.port || undefined, path: '/', method: 'POST', headers, timeout: options.timeoutMs ?? 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) res.destroy(new Error('STS answered more than 64 KiB'));
        else chunks.push(c);
      });
      res.on('error', (err) => reject(new ConnectionProblemError(`reading STS's answer: ${err.message}`, { cause: err })));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? (JSON.parse(safeJSON(text)) as { Error?: { Code?: string } }).Error?.Code ?? '';
          reject(new AccessDeniedError(`STS refused the signed GetCallerIdentity request: ${res.statusCode}${code ? ` ${code}` : ''}`));
          return;
        }
        try {
          resolve(parseIdentity(text));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    r.on('timeout', () => r.destroy(new Error('timed out')));
    r.on('error', (err) => reject(new ConnectionProblemError(`cannot reach STS at ${req.host}: ${err.message}`, { cause: err })));
    r.end(req.body);
  });
}

function safeJSON(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return '{}';
  }
}

/** GetCallerIdentity's answer, JSON (asked with Accept: application/json) or XML. */
function parseIdentity(text: string): AWSIdentity {
  let account: unknown;
  let arn: unknown;
  if (text.trimStart().startsWith('{')) {
    const r = (JSON.parse(text) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: { Account?: unknown; Arn?: unknown } } }).GetCallerIdentityResponse?.GetCallerIdentityResult;
    account = r?.Account;
    arn = r?.Arn;
  } else {
    account = /<Account>([^<]+)<\/Account>/.exec(text)?.[1];
    arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  }
  if (typeof account !== 'string' || account === '' || typeof arn !== 'string' || arn === '') throw new AccessDeniedError('STS answered without an account and ARN');
  return { account, arn };
}

/** `*` any run of characters, `?` one, everything else literal (AWS's ARN patterns). */
export function arnMatches(pattern: string, arn: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(arn);
}

/**
 * Checks an IAM join of `req` with `token`: the request, its single use, STS's answer and the allow
 * rules. Throws AccessDeniedError saying which check failed.
 */
export async function checkIAMJoin(token: ProvisionToken, req: RegisterRequest, o: { services: Services; options: IAMJoinOptions }): Promise<AWSIdentity> {
  if (!req.sts_identity_request) throw new BadParameterError('the IAM join method needs the signed sts:GetCallerIdentity request (sts_identity_request)');
  const sts = checkSTSRequest(req.sts_identity_request, req.public_key);
  // Each signed request joins once (STS itself accepts it for 15 minutes).
  const key = `/iamjoins/${createHash('sha256').update(sts.headers.get('authorization') ?? '').digest('hex')}`;
  try {
    await o.services.backend.create({ key, value: req.host_id, expires: o.services.clock.now() + 15 * 60_000 });
  } catch (err) {
    if (isCode(err, 'already_exists')) throw new AccessDeniedError('this signed STS request was already used to join; sign a new one');
    throw err;
  }
  const identity = await callSTS(sts, o.options);
  const ok = (token.spec.allow ?? []).some((r) => (!r.aws_account || r.aws_account === identity.account) && (!r.aws_arn || arnMatches(r.aws_arn, identity.arn)));
  if (!ok) throw new AccessDeniedError(`the AWS identity ${identity.arn} (account ${identity.account}) matches no allow rule of token "${token.metadata.name}"`);
  return identity;
}
