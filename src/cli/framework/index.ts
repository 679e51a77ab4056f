/**
 * The shared machinery of our CLIs (`teleport`, `tctl`, `tsh`): declarative commands parsed the way
 * Teleport's kingpin tools parse them, kingpin-style help, Teleport's asciitable output,
 * `--format` helpers, prompts, and the io layer where errors become exit codes.
 */
export type { AppSpec, ArgSpec, CommandSpec, FlagSpec, FlagType, GroupSpec, Invocation } from './args.js';
export { runApp } from './run-app.js';
export type { MakeCtx } from './run-app.js';
export { captureIO, processIO } from './io.js';
export type { CaptureOptions, CapturedIO, CliIO, CliOutput } from './io.js';
export { allowWhitespace, DEBUG_HINT, escapeControl, ExitCodeError, isUserError, reportError, UsageError } from './report-error.js';
export { makeHeadlessTable, makeTable, makeTableWithTruncatedColumn } from './table.js';
export { tabwrite } from './tabwriter.js';
export type { TabwriterOptions } from './tabwriter.js';
export { OUTPUT_FORMATS, toGoJSON, toTeleportYAML, writeFormatted } from './format.js';
export type { OutputFormat } from './format.js';
export { confirm, readLine, readPassword, releaseInput } from './prompt.js';
