/**
 * The EC2 instance metadata service (IMDSv2 only, as instances that require tokens run it):
 * `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` (1..21600) hands out a
 * session token; `GET /latest/dynamic/instance-identity/document` and `/pkcs7` answer only with
 * `X-aws-ec2-metadata-token` set to a live one (401 otherwise, as IMDSv2 does).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running IMDS stand-in. */
export class IMDSStandIn {
  private server?: Server;
  private readonly tokens = new Map<string, number>();
  /** Requests seen, `METHOD path`, for tests. */
  readonly seen: string[] = [];

  /** `document` (text) and `pkcs7` (base64) are what the instance's identity endpoints serve; replace them to change instance. */
  constructor(public identity: { document: string; pkcs7: string }) {}

  /** Listens on 127.0.0.1:0; returns the base URL (what AWS_EC2_METADATA_SERVICE_ENDPOINT takes). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.seen.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token') {
        const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
        if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) {
          res.writeHead(400).end();
          return;
        }
        const token = randomBytes(24).toString('base64url');
        this.tokens.set(token, Date.now() + ttl * 1000);
        res.writeHead(200, { 'content-type': 'text/plain', 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) }).end(token);
        return;
      }
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return;
      }
      const token = String(req.headers['x-aws-ec2-metadata-token'] ?? '');
      if (!((this.tokens.get(token) ?? 0) > Date.now())) {
        res.writeHead(401).end();
        return;
      }
      const body = req.url === '/latest/dynamic/instance-identity/document' ? this.identity.document : req.url === '/latest/dynamic/instance-identity/pkcs7' ? this.identity.pkcs7 : undefined;
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
