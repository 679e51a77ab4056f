/**
 * The diagnostics listener (`--diag-addr`): `/healthz` (process alive), `/readyz` (every service
 * started), `/metrics` (Prometheus text format). Plain HTTP, meant for loopback or a private network.
 */
import { createServer, type Server } from 'node:http';
import { closeServer, listen, requestURL, sendJSON } from '../httpserver/index.js';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Options: where to listen and how to tell readiness. */
export interface DiagServerOptions {
  host: string;
  port: number;
  ready: () => boolean;
  registry?: Registry;
}

/** The diag listener; start() returns the bound address, close() is safe twice. */
export class DiagServer {
  private server?: Server;
  readonly registry: Registry;

  constructor(private readonly opts: DiagServerOptions) {
    this.registry = opts.registry ?? new Registry();
    collectDefaultMetrics({ register: this.registry, prefix: 'teleport_' });
  }

  async start(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => {
      // requestURL throws BadParameterError for targets like `//[`: thrown here it would stop the process.
      let path: string;
      try {
        path = requestURL(req, 'http://diag').pathname;
      } catch (err) {
        return sendJSON(res, 400, { error: { message: (err as Error).message } });
      }
      if (path === '/healthz') return sendJSON(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        return this.opts.ready() ? sendJSON(res, 200, { status: 'ok' }) : sendJSON(res, 503, { status: 'starting' });
      }
      if (path === '/metrics') {
        this.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(text);
          },
          () => sendJSON(res, 500, { status: 'error' }),
        );
        return;
      }
      sendJSON(res, 404, { error: 'not found' });
    });
    this.server = server;
    const bound = await listen(server, this.opts.port, this.opts.host);
    return bound;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
