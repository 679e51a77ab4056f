/**
 * AWS Signature Version 4 checked the way AWS checks it (an implementation of its own, separate from
 * the SDK that signs): the canonical request from the method, path, query, the signed headers and
 * the body's SHA-256; the string to sign with the date and credential scope; the HMAC key chain
 * from the secret. Used by the STS and EC2 stand-ins.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Who signed, once the signature checks out. */
export interface SigV4Signer {
  accessKeyId: string;
  region: string;
  service: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** AWS's URI encoding (RFC 3986 unreserved characters kept). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Checks the request's Authorization header. `secretOf` gives the secret of an access key ID (or
 * undefined for an unknown one). Throws an Error whose message is AWS's error code.
 */
export function verifySigV4(
  req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  secretOf: (accessKeyId: string) => string | undefined,
  now = Date.now(),
): SigV4Signer {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new Error('IncompleteSignature');
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m;
  const secret = secretOf(accessKeyId);
  if (!secret) throw new Error('InvalidClientTokenId');
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(at) || !amzDate.startsWith(date)) throw new Error('IncompleteSignature');
  if (Math.abs(now - at) > 15 * 60_000) throw new Error('SignatureDoesNotMatch'); // AWS: "Signature expired"
  const url = new URL(req.url, 'http://x');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  if (!names.includes('host')) throw new Error('SignatureDoesNotMatch');
  const canonicalHeaders = names
    .map((n) => {
      const v = req.headers[n];
      if (v === undefined) throw new Error('SignatureDoesNotMatch');
      return `${n}:${(Array.isArray(v) ? v.join(',') : v).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const canonical = [req.method, url.pathname.split('/').map((p) => uriEncode(decodeURIComponent(p))).join('/') || '/', query, canonicalHeaders, signedHeaders, sha256(req.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw new Error('SignatureDoesNotMatch');
  return { accessKeyId, region, service };
}
