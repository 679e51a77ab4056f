import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iamChallenge } from '../../api/join-proof.js';
import { arnMatches, checkSTSRequest, isSTSHost } from './iam.js';

const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const request = (o: { host?: string; line?: string; body?: string; signed?: string; challenge?: string } = {}) =>
  Buffer.from(
    [
      o.line ?? 'POST / HTTP/1.1',
      `host: ${o.host ?? 'sts.eu-west-1.amazonaws.com'}`,
      `authorization: AWS4-HMAC-SHA256 Credential=AKIA/20261207/eu-west-1/sts/aws4_request, SignedHeaders=${o.signed ?? 'accept;host;x-amz-date;x-teleport-challenge'}, Signature=${'0'.repeat(64)}`,
      `x-teleport-challenge: ${o.challenge ?? iamChallenge(pem)}`,
      '',
      o.body ?? 'Action=GetCallerIdentity&Version=2011-06-15',
    ].join('\r\n'),
  ).toString('base64');

describe('IAM join request checks', () => {
  it('STS host names: global, regional, FIPS and China; nothing else under amazonaws.com', () => {
    for (const h of ['sts.amazonaws.com', 'sts.us-east-1.amazonaws.com', 'sts.ap-southeast-2.amazonaws.com', 'sts-fips.us-gov-west-1.amazonaws.com', 'sts.cn-north-1.amazonaws.com.cn']) expect(isSTSHost(h), h).toBe(true);
    for (const h of ['sts.amazonaws.com.evil.io', 'evil.sts.us-east-1.amazonaws.com', 'sts.s3-website.amazonaws.com', 'sts.us-east-1.amazonaws.com:8443', 'localhost', 'sts.my-bucket-1.amazonaws.com']) expect(isSTSHost(h), h).toBe(false);
  });

  it('ARN patterns: * any run, ? one character, the rest literal', () => {
    expect(arnMatches('arn:aws:sts::1:assumed-role/teleport-*/i-*', 'arn:aws:sts::1:assumed-role/teleport-node/i-0abc')).toBe(true);
    expect(arnMatches('arn:aws:iam::1:role/a?c', 'arn:aws:iam::1:role/abc')).toBe(true);
    expect(arnMatches('arn:aws:iam::1:role/a.c', 'arn:aws:iam::1:role/abc')).toBe(false);
    expect(arnMatches('arn:aws:iam::1:role/x', 'arn:aws:iam::1:role/x/y')).toBe(false);
  });

  it('accepts the expected request and refuses each deviation with its reason', () => {
    expect(checkSTSRequest(request(), pem).host).toBe('sts.eu-west-1.amazonaws.com');
    expect(() => checkSTSRequest(request({ host: 'example.com' }), pem)).toThrow('addressed to "example.com", which is not an AWS STS endpoint');
    expect(() => checkSTSRequest(request({ line: 'POST /?Action=AssumeRole HTTP/1.1' }), pem)).toThrow('must be "POST /" to STS');
    expect(() => checkSTSRequest(request({ body: 'Action=GetSessionToken&Version=2011-06-15' }), pem)).toThrow('asks STS for action "GetSessionToken"');
    expect(() => checkSTSRequest(request({ signed: 'host;x-amz-date' }), pem)).toThrow('does not sign the host and x-teleport-challenge headers');
    expect(() => checkSTSRequest(request({ challenge: 'something-else' }), pem)).toThrow('does not match the key being joined');
  });

  it('garbage is a bad request, not a crash', () => {
    expect(() => checkSTSRequest(Buffer.from('hello').toString('base64'), pem)).toThrow('is not an HTTP request');
    expect(() => checkSTSRequest(Buffer.from('GET\r\n\r\n').toString('base64'), pem)).toThrow('malformed request line');
    expect(() => checkSTSRequest(Buffer.from('POST / HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n').toString('base64'), pem)).toThrow('repeats the host header');
  });
});
