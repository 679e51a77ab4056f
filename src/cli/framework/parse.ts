/**
 * The argv parser, following kingpin's rules: flags anywhere (globals before or after the command
 * words, a command's own flags after its words), `--flag=v`, `--flag v`, `-f v`, `-fv`, bundled
 * bool shorts (`-dA`), `--no-flag`, `--` ends flags, and the longest run of words that names a command.
 */
import type { AppSpec, CommandSpec, FlagSpec } from './args.js';
import type { CommandNode, CommandTree } from './command-tree.js';
import { resolveFlags } from './flag-values.js';
import type { FlagOccurrence } from './flag-values.js';
import { UsageError } from './report-error.js';

/** What the command line asked for. */
export type ParseOutcome<Ctx> =
  | {
      kind: 'run';
      node: CommandNode<Ctx>;
      spec: CommandSpec<Ctx>;
      /** Global and command flags together. */
      flags: Record<string, unknown>;
      /** Only the global flags (what makeCtx receives). */
      globalFlags: Record<string, unknown>;
      args: Record<string, string | string[] | undefined>;
      rest: string[];
    }
  | { kind: 'help'; node: CommandNode<Ctx> }
  | { kind: 'version' }
  | { kind: 'no-command' };

class ParseState<Ctx> {
  node: CommandNode<Ctx>;
  readonly long = new Map<string, FlagSpec>();
  readonly short = new Map<string, FlagSpec>();
  readonly occurrences: FlagOccurrence[] = [];
  readonly positionals: string[] = [];
  readonly rest: string[] = [];
  readonly helpWords: string[] = [];
  argsOnly = false;
  afterDashDash = false;
  help = false;
  version = false;

  constructor(root: CommandNode<Ctx>, globals: FlagSpec[]) {
    this.node = root;
    this.addFlags(globals);
  }

  addFlags(flags: FlagSpec[]): void {
    for (const f of flags) {
      this.long.set(f.name, f);
      if (f.short !== undefined) this.short.set(f.short, f);
    }
  }

  fail(message: string): never {
    throw new UsageError(message, this.node.path);
  }
}

function takeValue<Ctx>(st: ParseState<Ctx>, queue: string[], token: string): string {
  const next = queue[0];
  // As kingpin does, a following word that looks like a flag is not taken as the value; a lone
  // "-" is (it commonly names stdin/stdout).
  if (next === undefined || (!st.argsOnly && next.startsWith('-') && next.length > 1)) {
    st.fail(`expected argument for flag '${token}'`);
  }
  queue.shift();
  return next;
}

function longFlag<Ctx>(st: ParseState<Ctx>, app: AppSpec<Ctx>, arg: string, queue: string[]): void {
  const eq = arg.indexOf('=');
  const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
  const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
  const token = `--${name}`;
  if (name === 'help' && !st.long.has('help')) {
    st.help = true;
    return;
  }
  if (name === 'version' && app.version !== undefined && !st.long.has('version')) {
    st.version = true;
    return;
  }
  let spec = st.long.get(name);
  let inverted = false;
  if (!spec && name.startsWith('no-')) {
    const base = st.long.get(name.slice(3));
    if (base?.type === 'bool') {
      spec = base;
      inverted = true;
    }
  }
  if (!spec) st.fail(`unknown long flag '${token}'`);
  if (spec.type === 'bool') {
    st.occurrences.push({ spec, value: inline, inverted });
    return;
  }
  const value = inline ?? takeValue(st, queue, token);
  st.occurrences.push({ spec, value, inverted: false });
}

function shortFlags<Ctx>(st: ParseState<Ctx>, arg: string, queue: string[]): void {
  const chars = [...arg.slice(1)];
  const c = chars[0];
  const remainder = chars.slice(1).join('');
  const token = `-${c}`;
  const spec = st.short.get(c);
  if (!spec && c === 'h') {
    st.help = true;
    if (remainder !== '') queue.unshift(`-${remainder}`);
    return;
  }
  if (!spec) st.fail(`unknown short flag '${token}'`);
  if (spec.type === 'bool') {
    st.occurrences.push({ spec, inverted: false });
    if (remainder !== '') queue.unshift(`-${remainder}`);
    return;
  }
  const value = remainder !== '' ? remainder : takeValue(st, queue, token);
  st.occurrences.push({ spec, value, inverted: false });
}

function positional<Ctx>(st: ParseState<Ctx>, arg: string): void {
  const node = st.node;
  if (node.isHelp) {
    st.helpWords.push(arg);
    return;
  }
  if (st.positionals.length === 0) {
    const child = node.children.get(arg);
    if (child) {
      st.node = child;
      st.addFlags(child.spec?.flags ?? []);
      if (child.spec?.stopFlagsAfterArgs === 0) st.argsOnly = true;
      return;
    }
    if (!node.spec) st.fail(`expected command but got ${JSON.stringify(arg)}`);
  }
  const spec = node.spec!;
  const declared = spec.args ?? [];
  const variadic = declared.length > 0 && declared[declared.length - 1].variadic === true;
  if (st.positionals.length < declared.length || variadic) {
    st.positionals.push(arg);
    if (spec.stopFlagsAfterArgs !== undefined && st.positionals.length >= spec.stopFlagsAfterArgs) st.argsOnly = true;
    return;
  }
  if (st.afterDashDash) {
    st.rest.push(arg);
    return;
  }
  st.fail(`unexpected ${arg}`);
}

function resolveHelpTarget<Ctx>(root: CommandNode<Ctx>, words: string[]): CommandNode<Ctx> {
  let node = root;
  for (const w of words) {
    const child = node.children.get(w);
    if (!child) throw new UsageError(`expected command but got ${JSON.stringify(w)}`, node.path);
    node = child;
  }
  return node;
}

function bindArgs<Ctx>(st: ParseState<Ctx>, spec: CommandSpec<Ctx>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  const declared = spec.args ?? [];
  declared.forEach((a, i) => {
    if (a.variadic) out[a.name] = st.positionals.slice(i);
    else out[a.name] = st.positionals[i];
    const missing = a.variadic ? st.positionals.length <= i : st.positionals[i] === undefined;
    if (a.required && missing) st.fail(`required argument '${a.name}' not provided`);
  });
  return out;
}

function helpAnywhere(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * Parse `argv` (without the program name). Throws UsageError with kingpin's wording for every
 * command-line mistake; when `--help` is anywhere, a mistake yields help for the command reached.
 */
export function parseArgv<Ctx>(
  app: AppSpec<Ctx>,
  tree: CommandTree<Ctx>,
  argv: string[],
  env: Record<string, string | undefined>,
): ParseOutcome<Ctx> {
  const st = new ParseState<Ctx>(tree.root, tree.globalFlags);
  const queue = [...argv];
  try {
    while (queue.length > 0) {
      const arg = queue.shift()!;
      if (!st.argsOnly && arg === '--') {
        st.argsOnly = true;
        st.afterDashDash = true;
      } else if (!st.argsOnly && arg.startsWith('--')) {
        longFlag(st, app, arg, queue);
      } else if (!st.argsOnly && arg.startsWith('-') && arg.length > 1) {
        shortFlags(st, arg, queue);
      } else {
        positional(st, arg);
      }
    }
  } catch (err) {
    if (err instanceof UsageError && helpAnywhere(argv)) return { kind: 'help', node: st.node };
    throw err;
  }
  if (st.help) return { kind: 'help', node: st.node };
  if (st.version) return { kind: 'version' };
  if (st.node.isHelp) return { kind: 'help', node: resolveHelpTarget(tree.root, st.helpWords) };
  if (st.node === tree.root) return { kind: 'no-command' };
  const spec = st.node.spec;
  if (!spec) throw new UsageError(`must select a subcommand of '${st.node.path}'`, st.node.path);

  const flags = resolveFlags([...tree.globalFlags, ...(spec.flags ?? [])], st.occurrences, env, st.node.path);
  const args = bindArgs(st, spec);
  const globalFlags: Record<string, unknown> = {};
  for (const f of tree.globalFlags) globalFlags[f.name] = flags[f.name];
  return { kind: 'run', node: st.node, spec, flags, globalFlags, args, rest: st.rest };
}
