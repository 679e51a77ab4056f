// Process entry of `teleport`: wires argv, stdio, signals and the exit code to runTeleport.
import { processIO } from '../framework/index.js';
import { runTeleport } from './run.js';

runTeleport(process.argv.slice(2), processIO(), process).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ERROR: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
