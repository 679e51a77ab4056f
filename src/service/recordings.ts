/**
 * Session recordings in a process: the auth server's storage (`audit_sessions_uri`) and mode
 * (`auth_service.session_recording`), and the node's recorder, which uploads to the auth API.
 */
import type { AuthClient } from '../api/client/index.js';
import type { Clock } from '../api/clock.js';
import type { SessionRecordingMode } from '../api/recording-wire.js';
import type { TeleportConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { NodeRecorder, openRecordingStore, type RecordingStore } from '../recordings/index.js';

/** The auth server's side: where recordings go and the mode nodes are told. */
export function authRecordings(config: TeleportConfig, logger: Logger): { store: RecordingStore; mode: SessionRecordingMode; logger: Logger } {
  const log = logger.child({ component: 'recordings' });
  const store = openRecordingStore(config.teleport.storage.auditSessionsUri, config.teleport.dataDir);
  const mode = config.auth.sessionRecording;
  if (mode === 'proxy' || mode === 'proxy-sync') {
    log.warn({ mode }, 'session_recording: proxy modes need a proxy that terminates SSH, which this build does not have: SSH sessions will NOT be recorded');
  }
  log.info({ mode, storage: config.teleport.storage.auditSessionsUri ?? 'data_dir' }, 'session recordings configured');
  return { store, mode, logger: log };
}

/** Starts the node's recorder (its upload completer finishes what a previous run left in the spool). */
export async function startNodeRecorder(opts: {
  config: TeleportConfig;
  hostId: string;
  clusterName: string;
  client: AuthClient;
  clock: Clock;
  logger: Logger;
}): Promise<NodeRecorder> {
  const recorder = new NodeRecorder({
    dataDir: opts.config.teleport.dataDir,
    target: opts.client,
    clusterName: opts.clusterName,
    serverId: opts.hostId,
    serverHostname: opts.config.teleport.nodename,
    clock: opts.clock,
    logger: opts.logger,
  });
  await recorder.start();
  return recorder;
}
