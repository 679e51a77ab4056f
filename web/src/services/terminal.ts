/**
 * The terminal websocket: `GET /webapi/sites/:site/connect/ws`, authenticated with the bearer token
 * as the first frame, then protobuf envelopes both ways (raw bytes, resizes, session metadata,
 * close and error notices).
 */
import { ENVELOPE, decodeEnvelope, encodeEnvelope, resizePayload, type WebSocketAuthStatus } from '@api/web-terminal';
import type { TerminalSessionMetadata } from '@api/web-wire';
import { getToken } from './token-store';

/** What the socket reports. */
export interface TerminalEvents {
  onData(bytes: Uint8Array): void;
  onSession(meta: TerminalSessionMetadata['session']): void;
  /** The session ended (`reason` is set when it failed). */
  onEnd(reason?: string): void;
}

/** Where to connect. */
export interface TerminalTarget {
  site: string;
  serverId: string;
  login: string;
  cols: number;
  rows: number;
  /** Join this live session instead of starting one (server and login then come from it). */
  join?: { sid: string; mode: string };
  /** The answer to a per-session MFA challenge (require_session_mfa). */
  mfa?: unknown;
}

const decoder = new TextDecoder();

/** One terminal session over a websocket. */
export class TerminalSocket {
  private readonly ws: WebSocket;
  private ended = false;
  private ready = false;

  constructor(target: TerminalTarget, private readonly events: TerminalEvents) {
    const term = { w: target.cols, h: target.rows };
    const params = JSON.stringify(
      target.join
        ? { server_id: target.serverId, login: target.login, term, sid: target.join.sid, mode: target.join.mode }
        : { server_id: target.serverId, login: target.login, term, ...(target.mfa !== undefined && { mfa: target.mfa }) },
    );
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/v1/webapi/sites/${encodeURIComponent(target.site)}/connect/ws?params=${encodeURIComponent(params)}`;
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => this.ws.send(JSON.stringify({ token: getToken()?.token ?? '' }));
    this.ws.onmessage = (e) => this.message(e);
    this.ws.onclose = (e) => this.end(this.ready || e.code === 1000 ? undefined : 'The connection to the proxy was lost before the session started.');
    this.ws.onerror = () => undefined;
  }

  /** Sends keystrokes or pasted text. */
  send(data: string): void {
    if (this.ready && this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeEnvelope(ENVELOPE.raw, data));
  }

  /** Tells the node the new window size. */
  resize(cols: number, rows: number): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeEnvelope(ENVELOPE.resize, resizePayload(cols, rows)));
  }

  /** Ends the session from this side. */
  close(): void {
    this.ended = true;
    this.ws.close(1000);
  }

  private message(e: MessageEvent): void {
    if (typeof e.data === 'string') {
      const status = JSON.parse(e.data) as WebSocketAuthStatus;
      if (status.status !== 'ok') this.end('Your session has expired. Log in again to open terminals.');
      return;
    }
    const env = decodeEnvelope(new Uint8Array(e.data as ArrayBuffer));
    switch (env.type) {
      case ENVELOPE.raw:
        this.events.onData(env.payload);
        break;
      case ENVELOPE.session:
        this.ready = true;
        this.events.onSession((JSON.parse(decoder.decode(env.payload)) as TerminalSessionMetadata).session);
        break;
      case ENVELOPE.error:
        this.end(decoder.decode(env.payload) || 'The session failed.');
        break;
      case ENVELOPE.close:
        this.end();
        break;
      default:
        break;
    }
  }

  private end(reason?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.events.onEnd(reason);
  }
}
