// Process entry of `tsh`: wires argv, stdio and the exit code to runTsh.
import { processIO } from '../framework/index.js';
import { runTsh } from './run.js';

runTsh(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ERROR: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
