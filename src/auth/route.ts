/** The shape of one auth API route and what its handler receives (the table is routes.ts). */
import type { AuthService } from './auth-service.js';
import type { Caller } from './caller.js';

/** What a handler receives. `caller` is undefined only on public routes. */
export interface RouteContext {
  auth: AuthService;
  caller: Caller;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Aborted when the client goes away (streamed responses). */
  signal?: AbortSignal;
  /** `ip:port` of the client (for audit events). */
  remoteAddr?: string;
}

/** One route. `:name` matches a segment, `:name*` the rest of the path. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  public?: boolean;
  body?: boolean;
  /** Read the body as raw bytes, at most this many, once the caller is authenticated; `body` is then a Buffer. */
  rawBody?: number;
  status?: number;
  run(ctx: RouteContext): Promise<unknown>;
}
