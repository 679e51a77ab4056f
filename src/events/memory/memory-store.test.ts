import { runEventStoreSuite } from '../testing/suite.js';
import { MemoryEventStore } from './memory-store.js';

runEventStoreSuite('memory', async () => ({ store: new MemoryEventStore(), cleanup: async () => {} }));
