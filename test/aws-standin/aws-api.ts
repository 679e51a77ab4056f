/**
 * The AWS APIs joining calls, on one local HTTP listener, every request checked with SigV4
 * (sigv4.ts) before it is answered, in the query protocol the SDKs and STS speak:
 * - STS `GetCallerIdentity`: the signer's account and ARN (JSON when asked with Accept:
 *   application/json, as Teleport's IAM join does; XML otherwise). Any Host header is accepted, as
 *   auth forwards the host's request unchanged: what was signed is what counts.
 * - STS `AssumeRole`: temporary credentials for a role the caller may assume (`assumable`).
 * - EC2 `DescribeInstances`: the instances of the caller's account, with their state.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from './sigv4.js';

/** An access key: its secret and whose it is. */
export interface AWSPrincipal {
  secret: string;
  account: string;
  arn: string;
}

/** A running AWS API stand-in. */
export class AWSAPIStandIn {
  private server?: Server;
  /** Access key ID → principal. */
  readonly keys = new Map<string, AWSPrincipal>();
  /** Instance ID → account and state name (running, stopped, ...). */
  readonly instances = new Map<string, { account: string; state: string }>();
  /** Role ARN → the access key IDs that may assume it. */
  readonly assumable = new Map<string, string[]>();
  /** `<service>:<Action>` of every request that passed the signature check, for tests. */
  readonly calls: string[] = [];

  /** Listens on 127.0.0.1:0; returns the base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, type, body }) => res.writeHead(status, { 'content-type': type }).end(body),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; type: string; body: string }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const json = String(req.headers.accept ?? '').includes('application/json');
    const ec2 = /\/ec2\/aws4_request/.test(String(req.headers.authorization ?? ''));
    const fail = (status: number, code: string, message: string) =>
      ec2
        ? { status, type: 'text/xml', body: `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${randomBytes(8).toString('hex')}</RequestID></Response>` }
        : json
          ? { status, type: 'application/json', body: JSON.stringify({ Error: { Code: code, Message: message, Type: 'Sender' } }) }
          : { status, type: 'text/xml', body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>` };
    let signer;
    try {
      signer = verifySigV4({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body }, (id) => this.keys.get(id)?.secret);
    } catch (err) {
      return fail(403, (err as Error).message, 'The request signature we calculated does not match the signature you provided.');
    }
    const who = this.keys.get(signer.accessKeyId)!;
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action') ?? '';
    this.calls.push(`${signer.service}:${action}`);
    if (signer.service === 'sts' && action === 'GetCallerIdentity') {
      const userId = `AIDA${signer.accessKeyId.slice(4)}`;
      if (json) return { status: 200, type: 'application/json', body: JSON.stringify({ GetCallerIdentityResponse: { GetCallerIdentityResult: { Account: who.account, Arn: who.arn, UserId: userId }, ResponseMetadata: { RequestId: randomBytes(8).toString('hex') } } }) };
      return { status: 200, type: 'text/xml', body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${who.arn}</Arn><UserId>${userId}</UserId><Account>${who.account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>` };
    }
    if (signer.service === 'sts' && action === 'AssumeRole') {
      const role = params.get('RoleArn') ?? '';
      if (!(this.assumable.get(role) ?? []).includes(signer.accessKeyId)) return fail(403, 'AccessDenied', `${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${role}`);
      const id = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      const secret = randomBytes(20).toString('base64');
      const account = /^arn:aws:iam::(\d{12}):role\//.exec(role)?.[1] ?? who.account;
      this.keys.set(id, { secret, account, arn: `arn:aws:sts::${account}:assumed-role/${role.split('/').pop()}/${params.get('RoleSessionName') ?? ''}` });
      const expiration = new Date(Date.now() + 3600_000).toISOString();
      return { status: 200, type: 'text/xml', body: `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey><SessionToken>session-${id}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${this.keys.get(id)!.arn}</Arn><AssumedRoleId>AROA:${id}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>` };
    }
    if (signer.service === 'ec2' && action === 'DescribeInstances') {
      const ids = [...params.entries()].filter(([k]) => /^InstanceId\.\d+$/.test(k)).map(([, v]) => v);
      const mine = ids.filter((id) => this.instances.get(id)?.account === who.account);
      if (mine.length < ids.length) return fail(400, 'InvalidInstanceID.NotFound', `The instance ID '${ids.find((i) => !mine.includes(i))}' does not exist`);
      const items = mine.map((id) => `<item><instanceId>${id}</instanceId><instanceState><code>16</code><name>${this.instances.get(id)!.state}</name></instanceState></item>`).join('');
      return { status: 200, type: 'text/xml', body: `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomBytes(8).toString('hex')}</requestId><reservationSet><item><reservationId>r-0123</reservationId><ownerId>${who.account}</ownerId><instancesSet>${items}</instancesSet></item></reservationSet></DescribeInstancesResponse>` };
    }
    return fail(400, 'InvalidAction', `Could not find operation ${action} for ${signer.service}`);
  }

  async close(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
