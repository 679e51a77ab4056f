// Process entry of `teleport`: wires argv, stdio, signals and the exit code to runTeleport, and
// the reload handover (a process started by its predecessor first takes over its sockets).
import { announceReady, isSuccessor, receiveListeners, startSuccessor, stopAndDrain } from '../../handover/index.js';
import { processIO } from '../framework/index.js';
import type { ProcessHandover } from './context.js';
import { runTeleport } from './run.js';

const successor = isSuccessor();
const handover: ProcessHandover = {
  start: () => startSuccessor(),
  drain: (tick) => stopAndDrain(tick),
  ready: () => {
    if (successor) announceReady();
  },
};

(successor ? receiveListeners() : Promise.resolve([]))
  .then(() => runTeleport(process.argv.slice(2), processIO(), process, { handover }))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`ERROR: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
