/** Process entry of tctl (bundled to dist/tctl.mjs): wires argv, stdio and the exit code. */
import { processIO } from '../framework/index.js';
import { runTctl } from './run.js';

const code = await runTctl(process.argv.slice(2), processIO());
process.exitCode = code;
