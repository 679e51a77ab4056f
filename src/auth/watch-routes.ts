/**
 * `GET /v1/watch?kinds=node,cert_authority,...`: a long-lived NDJSON stream of resource events for
 * the caller (see watch-events.ts and api/watch-wire.ts). Errors in the request (no kinds, an
 * unknown kind, a kind the caller may not read) are ordinary JSON errors before the stream begins.
 */
import type { Route } from './route.js';
import { StreamBody } from '../httpserver/index.js';

/** The watch route, spread into ROUTES. */
export const WATCH_ROUTES: Route[] = [
  {
    method: 'GET',
    path: '/v1/watch',
    run: async ({ auth, caller, query, signal }) =>
      new StreamBody('application/x-ndjson', auth.watches.open(caller, (query.get('kinds') ?? '').split(','), signal)),
  },
];
