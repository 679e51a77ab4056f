/**
 * runApp: parse argv against an AppSpec, print help/version/usage errors, build the command's
 * context and run it, turning whatever it throws into an exit code through reportError.
 */
import type { AppSpec } from './args.js';
import { buildCommandTree } from './command-tree.js';
import type { CommandTree } from './command-tree.js';
import type { CliIO } from './io.js';
import { parseArgv } from './parse.js';
import type { ParseOutcome } from './parse.js';
import { reportError, UsageError } from './report-error.js';
import { renderUsage } from './usage.js';

/** Builds a command's context from the global flags (connect to auth, load a profile...). */
export type MakeCtx<Ctx> = (globalFlags: Record<string, unknown>, io: CliIO) => Ctx | Promise<Ctx>;

function findNode<Ctx>(tree: CommandTree<Ctx>, path: string) {
  let node = tree.root;
  for (const w of path.split(' ').filter((x) => x !== '')) {
    const child = node.children.get(w);
    if (!child) break;
    node = child;
  }
  return node;
}

/**
 * Run one CLI invocation and return its exit code; never throws. `--help`, `-h`, `help <command>`
 * and a bare invocation print usage to stdout (0); usage errors print the command's usage and
 * `ERROR: <kingpin message>` to stderr (1). Debug output of errors follows the global `debug` flag.
 */
export async function runApp<Ctx>(app: AppSpec<Ctx>, argv: string[], io: CliIO, makeCtx: MakeCtx<Ctx>): Promise<number> {
  let tree: CommandTree<Ctx>;
  let outcome: ParseOutcome<Ctx>;
  try {
    tree = buildCommandTree(app);
  } catch (err) {
    return reportError(err, io, { debug: true });
  }
  try {
    outcome = parseArgv(app, tree, argv, io.env);
  } catch (err) {
    if (err instanceof UsageError && app.usageOnError !== false) {
      io.stderr.write(renderUsage(app, tree, findNode(tree, err.commandPath), io.stderr.columns ?? 80));
    }
    return reportError(err, io, { debug: false });
  }
  switch (outcome.kind) {
    case 'help':
      io.stdout.write(renderUsage(app, tree, outcome.node, io.stdout.columns ?? 80));
      return 0;
    case 'no-command':
      io.stdout.write(renderUsage(app, tree, tree.root, io.stdout.columns ?? 80));
      return 0;
    case 'version':
      io.stdout.write(`${app.version}\n`);
      return 0;
    case 'run':
      break;
  }
  const debug = outcome.flags.debug === true;
  try {
    const ctx = await makeCtx(outcome.globalFlags, io);
    const code = await outcome.spec.run(
      { command: outcome.node.path, flags: outcome.flags, args: outcome.args, rest: outcome.rest, io },
      ctx,
    );
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    return reportError(err, io, { debug });
  }
}
