/** The in-process entry of tctl: argv and a CliIO in, exit code out. */
import type { CliIO } from '../framework/index.js';
import { runApp } from '../framework/index.js';
import { tctlApp } from './app.js';
import type { TctlDeps } from './context.js';
import { makeTctlCtx } from './context.js';

/** Run tctl with `argv` (without the program name); never throws. */
export function runTctl(argv: string[], io: CliIO, deps: TctlDeps = {}): Promise<number> {
  return runApp(tctlApp, argv, io, (globals, cio) => makeTctlCtx(globals, cio, deps));
}
