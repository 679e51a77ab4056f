import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { IIDSigner } from '../../../test/aws-standin/iid-signer.js';
import { AWS_IID_DSA_CERTIFICATE } from './aws-certificates.js';
import { verifyInstanceIdentity } from './iid.js';

// A PKCS#7 instance identity document signature AWS made (us-west-2, 2021), as published in
// Teleport's RFD 41 appendix: real DSA/SHA-1 signing by AWS's key, checked against the shipped certificate.
const AWS_SIGNED = `MIAGCSqGSIb3DQEHAqCAMIACAQExCzAJBgUrDgMCGgUAMIAGCSqGSIb3DQEHAaCAJIAEggHZewog
ICJhY2NvdW50SWQiIDogIjI3ODU3NjIyMDQ1MyIsCiAgImFyY2hpdGVjdHVyZSIgOiAieDg2XzY0
IiwKICAiYXZhaWxhYmlsaXR5Wm9uZSIgOiAidXMtd2VzdC0yYSIsCiAgImJpbGxpbmdQcm9kdWN0
cyIgOiBudWxsLAogICJkZXZwYXlQcm9kdWN0Q29kZXMiIDogbnVsbCwKICAibWFya2V0cGxhY2VQ
cm9kdWN0Q29kZXMiIDogbnVsbCwKICAiaW1hZ2VJZCIgOiAiYW1pLTA4MDBmYzBmYTcxNWZkY2Zl
IiwKICAiaW5zdGFuY2VJZCIgOiAiaS0wMjg1Yjc2ZGJjOGY3NWNlNiIsCiAgImluc3RhbmNlVHlw
ZSIgOiAidDIubWljcm8iLAogICJrZXJuZWxJZCIgOiBudWxsLAogICJwZW5kaW5nVGltZSIgOiAi
MjAyMS0wNi0xMVQwMDowODoyN1oiLAogICJwcml2YXRlSXAiIDogIjEwLjAuMC41NiIsCiAgInJh
bWRpc2tJZCIgOiBudWxsLAogICJyZWdpb24iIDogInVzLXdlc3QtMiIsCiAgInZlcnNpb24iIDog
IjIwMTctMDktMzAiCn0AAAAAAAAxggEXMIIBEwIBATBpMFwxCzAJBgNVBAYTAlVTMRkwFwYDVQQI
ExBXYXNoaW5ndG9uIFN0YXRlMRAwDgYDVQQHEwdTZWF0dGxlMSAwHgYDVQQKExdBbWF6b24gV2Vi
IFNlcnZpY2VzIExMQwIJAJa6SNnlXhpnMAkGBSsOAwIaBQCgXTAYBgkqhkiG9w0BCQMxCwYJKoZI
hvcNAQcBMBwGCSqGSIb3DQEJBTEPFw0yMTA2MTEwMDA4MzBaMCMGCSqGSIb3DQEJBDEWBBSj4yyW
kvOVpx656w8wuhjUyH9dWjAJBgcqhkjOOAQDBC4wLAIUBOSAnp6M57kAXXJoj2s8cb32AXwCFFHm
egSjvG+KBmmOgUyS15ZzFJJTAAAAAAAA`;

const signer = new IIDSigner();
const other = new IIDSigner('Forger');
afterAll(() => {
  signer.close();
  other.close();
});
const doc = { accountId: '123456789012', instanceId: 'i-0abc1234def567890', region: 'eu-west-1', pendingTime: '2026-12-07T10:00:00Z' };

describe('instance identity documents', async () => {
  it('the shipped AWS certificate is self-signed and verifies a document AWS signed', async () => {
    const cert = new X509Certificate(AWS_IID_DSA_CERTIFICATE);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject).toContain('O=Amazon Web Services LLC');
    await expect(verifyInstanceIdentity(AWS_SIGNED, [AWS_IID_DSA_CERTIFICATE])).resolves.toMatchObject({ accountId: '278576220453', instanceId: 'i-0285b76dbc8f75ce6', region: 'us-west-2', pendingTime: '2021-06-11T00:08:27Z' });
  });

  it('an AWS-signed document is refused when only another certificate is trusted', async () => {
    await expect(verifyInstanceIdentity(AWS_SIGNED, [signer.certPem])).rejects.toThrow('it is not signed by AWS (no trusted certificate verifies its signature)');
  });

  it('reads a document signed by a trusted (test) CA, base64 as IMDS serves it', async () => {
    await expect(verifyInstanceIdentity(signer.sign(IIDSigner.text(doc)), [AWS_IID_DSA_CERTIFICATE, signer.certPem])).resolves.toMatchObject(doc);
  });

  it('refuses a document signed by an untrusted key, a tampered one and garbage', async () => {
    await expect(verifyInstanceIdentity(other.sign(IIDSigner.text(doc)), [signer.certPem])).rejects.toThrow('not signed by AWS');
    const der = Buffer.from(signer.sign(IIDSigner.text(doc)), 'base64');
    const at = der.indexOf(Buffer.from('123456789012'));
    der.write('999999999999', at);
    await expect(verifyInstanceIdentity(der, [signer.certPem])).rejects.toThrow('the document does not match its signed digest');
    await expect(verifyInstanceIdentity('bm90IGEgc2lnbmF0dXJl', [signer.certPem])).rejects.toThrow('it is not a PKCS#7 signature');
  });

  it('refuses a signed document without an account or instance ID', async () => {
    await expect(verifyInstanceIdentity(signer.sign(JSON.stringify({ region: 'eu-west-1', pendingTime: doc.pendingTime })), [signer.certPem])).rejects.toThrow('the document has no accountId');
    await expect(verifyInstanceIdentity(signer.sign(JSON.stringify({ ...doc, instanceId: '../x' })), [signer.certPem])).rejects.toThrow('is not an EC2 instance ID');
  });
});
