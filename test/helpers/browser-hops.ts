/**
 * What a browser does with redirects, without a browser: follows `Location` hops over http and
 * https (the test cluster's certificate is not trusted by the system: not checked), keeps cookies
 * per host, and records every hop so a test can replay one (a replayed IdP callback).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One hop. */
export interface Hop {
  url: string;
  method: string;
  status: number;
  location?: string;
  text: string;
  /** The form posted, if any. */
  form?: Record<string, string>;
}

/** A cookie jar and a redirect follower. */
export class BrowserHops {
  private readonly jar = new Map<string, Map<string, string>>();
  readonly hops: Hop[] = [];

  /** Requests `url` and follows redirects until a non-redirect answer, or `stop` says so; returns the last hop. */
  async go(url: string, opts: { method?: string; form?: Record<string, string>; stop?: (h: Hop) => boolean; max?: number } = {}): Promise<Hop> {
    let next: { url: string; method: string; form?: Record<string, string> } = { url, method: opts.method ?? 'GET', ...(opts.form && { form: opts.form }) };
    for (let i = 0; i < (opts.max ?? 15); i++) {
      const hop = await this.once(next.url, next.method, next.form);
      this.hops.push(hop);
      if (!hop.location || opts.stop?.(hop)) return hop;
      next = { url: new URL(hop.location, next.url).toString(), method: 'GET' };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** One request, no redirects followed. */
  once(url: string, method = 'GET', form?: Record<string, string>): Promise<Hop> {
    const u = new URL(url);
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const cookies = this.jar.get(u.host);
    const headers: Record<string, string> = {};
    if (cookies && cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(u, { method, headers, rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          for (const line of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
            const pair = line.split(';')[0];
            const i = pair.indexOf('=');
            const jar = this.jar.get(u.host) ?? new Map<string, string>();
            jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
            this.jar.set(u.host, jar);
          }
          const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
          resolve({ url, method, status: res.statusCode ?? 0, ...(location && { location }), text, ...(form && { form }) });
        });
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }
}
