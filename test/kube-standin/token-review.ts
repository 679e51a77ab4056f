/**
 * The one Kubernetes API the in_cluster join method calls: `POST
 * /apis/authentication.k8s.io/v1/tokenreviews`, authenticated with the reviewer's bearer token (a
 * 401 otherwise, as the API server answers), reviewing the service account tokens it knows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A token the stand-in's cluster issued: whose it is and, for a projected token, its pod. */
export interface IssuedToken {
  namespace: string;
  serviceAccount: string;
  /** Absent for a legacy (secret-based) token, which is not bound to a pod. */
  pod?: string;
}

/** A running TokenReview stand-in. */
export class TokenReviewStandIn {
  private server?: Server;
  readonly tokens = new Map<string, IssuedToken>();
  /** Tokens reviewed, in order. */
  readonly reviewed: string[] = [];

  constructor(public reviewerToken: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.headers.authorization !== `Bearer ${this.reviewerToken}`) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
          return;
        }
        if (req.method !== 'POST' || req.url !== '/apis/authentication.k8s.io/v1/tokenreviews') {
          res.writeHead(404).end();
          return;
        }
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { spec?: { token?: string } };
        const token = review.spec?.token ?? '';
        this.reviewed.push(token);
        const t = this.tokens.get(token);
        const status = t
          ? {
              authenticated: true,
              user: {
                username: `system:serviceaccount:${t.namespace}:${t.serviceAccount}`,
                uid: 'c1a2b3',
                groups: ['system:serviceaccounts', `system:serviceaccounts:${t.namespace}`, 'system:authenticated'],
                ...(t.pod && { extra: { 'authentication.kubernetes.io/pod-name': [t.pod], 'authentication.kubernetes.io/pod-uid': ['d4e5f6'] } }),
              },
              audiences: ['https://kubernetes.default.svc'],
            }
          : { authenticated: false, error: '[invalid bearer token, token lookup failed]' };
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: {}, spec: review.spec, status }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
