import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecordingStoreSuite } from '../testing/suite.js';
import { FileRecordingStore } from './file-store.js';

runRecordingStoreSuite('directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rec-store-'));
  return { store: new FileRecordingStore(join(dir, 'sessions')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
