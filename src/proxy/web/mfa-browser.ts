/**
 * The browser relay for tsh's WebAuthn ceremonies (as Teleport's newest tsh does where no FIDO2
 * library is at hand): tsh posts the challenge (`POST /webapi/mfa/browser` → `{id, secret}`),
 * prints and opens `/web/mfa/browser/<id>`, whose page reads the challenge (`GET
 * /webapi/mfa/browser/<id>`), runs navigator.credentials and posts the answer (`POST
 * /webapi/mfa/browser/<id>`); tsh collects it with its secret (`GET
 * /webapi/mfa/browser/<id>/response?secret=`, answered when it arrives or after 20 s with
 * `{pending: true}`). Ceremonies live 5 minutes in this proxy's memory: tsh and the browser must
 * reach the same proxy.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessDeniedError, BadParameterError, LimitExceededError, NotFoundError } from '../../api/errors.js';
import { readJSONBody, sendJSON } from '../../httpserver/index.js';

const TTL_MS = 5 * 60_000;
const MAX_PENDING = 1000;
const WAIT_MS = 20_000;
const MAX_BODY = 64 * 1024;

interface Ceremony {
  kind: 'login' | 'register';
  /** The `publicKey` options for navigator.credentials. */
  options: unknown;
  secret: string;
  expires: number;
  response?: unknown;
  waiters: (() => void)[];
}

/** The relay's ceremonies. */
export class MFABrowserRelay {
  private readonly ceremonies = new Map<string, Ceremony>();

  /** Answers the relay's routes (true); `limit` takes from the per-IP rate. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, limit: () => void): Promise<boolean> {
    const m = /^\/webapi\/mfa\/browser(?:\/([0-9a-f]{32}))?(\/response)?$/.exec(path);
    if (!m) return false;
    const [, id, response] = m;
    this.sweep();
    if (!id && req.method === 'POST') {
      limit();
      const b = ((await readJSONBody(req, MAX_BODY)) ?? {}) as { kind?: unknown; options?: unknown };
      if (b.kind !== 'login' && b.kind !== 'register') throw new BadParameterError('kind must be login or register');
      if (!b.options || typeof b.options !== 'object') throw new BadParameterError('missing options: the publicKey options of the challenge');
      if (this.ceremonies.size >= MAX_PENDING) throw new LimitExceededError('too many MFA ceremonies are pending on this proxy: try again in a few minutes');
      const c: Ceremony = { kind: b.kind, options: b.options, secret: randomBytes(32).toString('hex'), expires: Date.now() + TTL_MS, waiters: [] };
      const newId = randomBytes(16).toString('hex');
      this.ceremonies.set(newId, c);
      sendJSON(res, 200, { id: newId, secret: c.secret, expires: new Date(c.expires).toISOString() });
      return true;
    }
    if (!id) return false;
    const c = this.ceremonies.get(id);
    if (!c) throw new NotFoundError('this MFA request is unknown or has expired: run the tsh command again');
    if (response && req.method === 'GET') {
      const got = Buffer.from(query.get('secret') ?? '');
      const want = Buffer.from(c.secret);
      if (got.length !== want.length || !timingSafeEqual(got, want)) throw new AccessDeniedError('wrong secret for this MFA request');
      if (c.response === undefined) await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, WAIT_MS);
        c.waiters.push(() => (clearTimeout(t), resolve()));
        req.once('close', () => (clearTimeout(t), resolve()));
      });
      if (c.response === undefined) return (sendJSON(res, 200, { pending: true }), true);
      this.ceremonies.delete(id);
      sendJSON(res, 200, { response: c.response });
      return true;
    }
    if (!response && req.method === 'GET') {
      limit();
      sendJSON(res, 200, { kind: c.kind, publicKey: c.options });
      return true;
    }
    if (!response && req.method === 'POST') {
      limit();
      const b = ((await readJSONBody(req, MAX_BODY)) ?? {}) as { response?: unknown };
      if (!b.response || typeof b.response !== 'object') throw new BadParameterError('missing response: what navigator.credentials returned');
      if (c.response !== undefined) throw new AccessDeniedError('this MFA request was already answered');
      c.response = b.response;
      for (const w of c.waiters.splice(0)) w();
      sendJSON(res, 200, { message: 'ok' });
      return true;
    }
    return false;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, c] of this.ceremonies) if (c.expires <= now) this.ceremonies.delete(id);
  }
}
