/** What each group of conformance cases sees (suite-crud, -range, -ttl, -watch), built by suite.ts. */
import type { FakeClock } from '../../api/clock.js';
import type { Backend } from '../backend.js';

/** A fresh backend and the FakeClock it was built with, per test. */
export interface SuiteContext {
  backend: Backend;
  clock: FakeClock;
}
