/**
 * Web session endpoints and request authentication: `POST /webapi/sessions/web` (login, CSRF
 * protected), `DELETE` (logout), `POST .../renew`, the invite completion that logs the user in, and
 * the check every authenticated route runs (session cookie + bearer token, as Teleport's WithAuth).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessDeniedError, BadParameterError } from '../../api/errors.js';
import type { CreateWebSessionRequest, CreateWebSessionResponse } from '../../api/web-wire.js';
import type { Caller, WebSession } from '../../auth/index.js';
import { sendJSON } from '../../httpserver/index.js';
import { bearerToken, checkCSRF, clearSessionCookie, hasCSRFHeader, requestSession, sessionCookie } from './cookies.js';
import { passwordTokenRequest } from './login.js';
import { assertionOf } from './mfa-public.js';
import type { WebUIAuth, WebUserAPI } from './ui-auth.js';

/** The request has no live web session: the UI answers with the login page (HTTP 401). */
export class NeedLoginError extends AccessDeniedError {}

/** An authenticated web request. */
export interface WebContext {
  session: WebSession;
  caller: Caller;
  /** The user's calls to auth, made as the user. */
  api: WebUserAPI;
}

/** Web session logic over the auth server's session store. */
export class WebAuth {
  constructor(private readonly auth: WebUIAuth) {}

  /**
   * The request's session from its cookie, with its bearer token checked unless `bearer` is false
   * (websocket upgrades send the token over the socket). Throws NeedLoginError.
   */
  async authenticate(req: IncomingMessage, opts: { bearer: boolean; token?: string } = { bearer: true }): Promise<WebContext> {
    const cookie = requestSession(req);
    if (!cookie) throw new NeedLoginError('missing session cookie: log in');
    const sessions = this.auth.sessions;
    let session: WebSession;
    try {
      session = await sessions.get(cookie.user, cookie.sid);
      if (opts.bearer) sessions.checkBearer(session, opts.token ?? bearerToken(req));
    } catch (err) {
      if (err instanceof AccessDeniedError) throw new NeedLoginError(err.message, { cause: err });
      throw err;
    }
    const api = await this.auth.userAPI(session);
    return { session, caller: api.caller, api };
  }

  /** Throws NeedLoginError unless `token` is the bearer token of `session`. */
  checkBearer(session: WebSession, token: string | undefined): void {
    try {
      this.auth.sessions.checkBearer(session, token);
    } catch (err) {
      if (err instanceof AccessDeniedError) throw new NeedLoginError(err.message, { cause: err });
      throw err;
    }
  }

  /** `POST /webapi/sessions/web`: `{user, pass, second_factor_token}` → bearer token + session cookie. */
  async login(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    checkCSRF(req);
    const b = (body ?? {}) as Partial<CreateWebSessionRequest>;
    if (typeof b.user !== 'string' || b.user === '') throw new BadParameterError('missing username');
    if (typeof b.pass !== 'string' || b.pass === '') throw new BadParameterError('missing password');
    const otp = typeof b.second_factor_token === 'string' ? b.second_factor_token.trim() : undefined;
    const s = await this.auth.sessions.login({ user: b.user, password: b.pass, ...(otp && { otp }) });
    await this.sendSession(res, s);
  }

  /**
   * `POST /webapi/mfa/login/finishsession`: `{user, webauthnAssertionResponse}` after
   * `/webapi/mfa/login/begin` (no user for a passwordless login) → bearer token + session cookie.
   */
  async loginWebAuthn(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    checkCSRF(req);
    const b = (body ?? {}) as Record<string, unknown>;
    const user = typeof b.user === 'string' && b.user !== '' ? b.user : undefined;
    const remoteAddr = req.socket.remoteAddress;
    const s = await this.auth.sessions.loginWebAuthn({ ...(user && { user }), webauthn_response: assertionOf(b), ...(remoteAddr && { remoteAddr }) });
    await this.sendSession(res, s);
  }

  /** `DELETE /webapi/sessions/web`: ends the session and clears the cookie. */
  async logout(ctx: WebContext, res: ServerResponse): Promise<void> {
    await this.auth.sessions.delete(ctx.session.id);
    res.setHeader('set-cookie', clearSessionCookie());
    sendJSON(res, 200, { message: 'ok' });
  }

  /** `POST /webapi/sessions/web/renew`: a new session (and bearer token) replacing the current one. */
  async renew(ctx: WebContext, res: ServerResponse): Promise<void> {
    await this.sendSession(res, await this.auth.sessions.renew(ctx.session));
  }

  /**
   * `PUT /webapi/users/password/token`: completes an invite or reset link. A browser (which sends
   * the CSRF header, checked) is logged in at once, as Teleport does; API callers get `{user}`.
   */
  async completeInvite(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const browser = hasCSRFHeader(req);
    if (browser) checkCSRF(req);
    const change = passwordTokenRequest(body);
    if (!browser) return sendJSON(res, 200, await this.auth.completeUserToken(change));
    const done = await this.auth.completeUserTokenLogin(change);
    await this.sendSession(res, done.session, { user: done.user });
  }

  /**
   * `POST /webapi/sso/session`: after an SSO callback set the session cookie, the page (CSRF header
   * checked) gets the new session's bearer token, within two minutes of the login only.
   */
  async adoptSSOSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkCSRF(req);
    const ctx = await this.authenticate(req, { bearer: false });
    if (Date.now() - Date.parse(ctx.session.created) > 2 * 60_000) throw new NeedLoginError('this session was not just created by a single sign-on: log in again');
    await this.sendSession(res, ctx.session);
  }

  private async sendSession(res: ServerResponse, s: WebSession, extra: Record<string, unknown> = {}): Promise<void> {
    const inactive = await this.auth.webIdleTimeoutMs();
    const now = Date.now();
    const body: CreateWebSessionResponse = {
      type: 'Bearer',
      token: s.bearer_token,
      expires_in: Math.max(1, Math.floor((Date.parse(s.bearer_expires) - now) / 1000)),
      sessionExpires: s.expires,
      sessionInactiveTimeout: inactive,
    };
    res.setHeader('set-cookie', sessionCookie(s.user, s.id));
    res.setHeader('cache-control', 'no-store');
    sendJSON(res, 200, { ...body, ...extra });
  }
}
