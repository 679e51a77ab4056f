/** The auth API's session recording routes (`/v1/recordings/...`); see recordings.ts. */
import { NotImplementedError } from '../api/errors.js';
import type { CompleteRecordingRequest } from '../api/recording-wire.js';
import type { AuthService } from './auth-service.js';
import { MAX_PART_BYTES, type RecordingsAPI } from './recordings.js';
import type { Route } from './route.js';

function recordings(auth: AuthService): RecordingsAPI {
  if (!auth.recordings) throw new NotImplementedError('session recordings are not configured on this auth server');
  return auth.recordings;
}

/** Routes: mode, part upload (raw body), completion, list, streamed events. */
export const RECORDING_ROUTES: Route[] = [
  { method: 'GET', path: '/v1/recordings/config', run: async ({ auth }) => recordings(auth).config() },
  {
    method: 'GET',
    path: '/v1/recordings',
    run: async ({ auth, caller, query }) => ({
      items: await recordings(auth).list(caller, {
        ...(query.get('from') && { from: query.get('from')! }),
        ...(query.get('to') && { to: query.get('to')! }),
        ...(query.get('limit') && { limit: Number(query.get('limit')) }),
      }),
    }),
  },
  {
    method: 'PUT',
    path: '/v1/recordings/:sid/parts/:part',
    rawBody: MAX_PART_BYTES,
    run: async ({ auth, caller, params, body }) => {
      await recordings(auth).uploadPart(caller, params.sid, Number(params.part), body as Buffer);
      return {};
    },
  },
  {
    method: 'POST',
    path: '/v1/recordings/:sid/complete',
    body: true,
    run: async ({ auth, caller, params, body }) => {
      await recordings(auth).complete(caller, params.sid, body as CompleteRecordingRequest);
      return {};
    },
  },
  { method: 'GET', path: '/v1/recordings/:sid/events', run: ({ auth, caller, params }) => recordings(auth).stream(caller, params.sid) },
];
