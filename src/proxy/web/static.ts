/**
 * The built web UI (web/dist) at `/web`: hashed assets under `/web/app/` cached for a year,
 * `index.html` for every client route (no-store, with the CSRF token in its meta tag and cookie),
 * and `/` redirecting to `/web` as Teleport does.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csrfCookie, csrfTokenFor } from './cookies.js';

/** The placeholder web/index.html carries in `<meta name="grv_csrf_token">`. */
export const CSRF_PLACEHOLDER = '__CSRF_TOKEN__';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Headers every page gets: no framing, no sniffing, scripts only from this origin. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Finds web/dist by walking up from this module (src/proxy in development, dist/ when bundled). */
export function findWebDist(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'web', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** Serves the UI from `dir` (default: found with findWebDist at each request until present). */
export class WebAssets {
  private index?: { text: string; mtimeMs: number };
  private found?: string;

  constructor(private readonly dir?: string) {}

  /** Handles `/`, `/web` and `/web/*` GET/HEAD requests; false for anything else. */
  async serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/') {
      res.writeHead(302, { location: '/web' });
      res.end();
      return true;
    }
    if (path !== '/web' && !path.startsWith('/web/')) return false;
    const dir = this.dir ?? (this.found ??= findWebDist());
    if (!dir) {
      const text = 'The web UI has not been built. Run "npm run build" (scripts/build.mjs runs Vite into web/dist).\n';
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return true;
    }
    const rel = path.slice('/web'.length).replace(/^\/+/, '');
    if (rel !== '' && rel !== 'index.html' && (await this.sendFile(req, res, dir, rel))) return true;
    if (rel.startsWith('app/')) {
      // A hashed asset that is gone (an old page after an upgrade): a 404, not the app.
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return true;
    }
    await this.sendIndex(req, res, dir);
    return true;
  }

  private async sendFile(req: IncomingMessage, res: ServerResponse, dir: string, rel: string): Promise<boolean> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rel);
    } catch {
      return false;
    }
    const file = normalize(join(dir, decoded));
    if (!file.startsWith(dir + sep) || decoded.includes('\0')) return false;
    const type = TYPES[extname(file).toLowerCase()];
    if (!type) return false;
    let body: Buffer;
    try {
      if (!(await stat(file)).isFile()) return false;
      body = await readFile(file);
    } catch {
      return false;
    }
    const hashed = rel.startsWith('app/');
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  private async sendIndex(req: IncomingMessage, res: ServerResponse, dir: string): Promise<void> {
    const file = join(dir, 'index.html');
    const mtimeMs = (await stat(file)).mtimeMs;
    if (!this.index || this.index.mtimeMs !== mtimeMs) this.index = { text: await readFile(file, 'utf8'), mtimeMs };
    const csrf = csrfTokenFor(req);
    const html = this.index.text.replaceAll(CSRF_PLACEHOLDER, csrf.token);
    res.writeHead(200, {
      ...PAGE_HEADERS,
      'content-type': TYPES['.html'],
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      ...(csrf.fresh && { 'set-cookie': csrfCookie(csrf.token) }),
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }
}
