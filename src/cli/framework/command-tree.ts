/**
 * The command tree built from an AppSpec: one node per command word, leaves carry the spec.
 * Multi-word commands share intermediate nodes (`users` for `users add` and `users ls`).
 */
import type { AppSpec, CommandSpec, FlagSpec } from './args.js';

/** One word of the command tree; `spec` is set when the path itself is runnable. */
export interface CommandNode<Ctx> {
  /** Canonical full path (`users add`); empty for the root. */
  path: string;
  spec?: CommandSpec<Ctx>;
  /** Help of an intermediate word, from AppSpec.groups. */
  help: string;
  hidden: boolean;
  /** Children by every accepted word, aliases included. */
  children: Map<string, CommandNode<Ctx>>;
  /** Canonical children in declaration order. */
  order: CommandNode<Ctx>[];
  /** True for the implicit `help` command. */
  isHelp?: boolean;
}

/** Built tree plus the flags every command accepts. */
export interface CommandTree<Ctx> {
  root: CommandNode<Ctx>;
  globalFlags: FlagSpec[];
}

function newNode<Ctx>(path: string): CommandNode<Ctx> {
  return { path, help: '', hidden: false, children: new Map(), order: [] };
}

function words(name: string): string[] {
  return name.trim().split(/\s+/).filter((w) => w.length > 0);
}

function ensurePath<Ctx>(root: CommandNode<Ctx>, parts: string[], canonical: boolean): CommandNode<Ctx> {
  let node = root;
  for (let i = 0; i < parts.length; i++) {
    let child = node.children.get(parts[i]);
    if (!child) {
      child = newNode<Ctx>(parts.slice(0, i + 1).join(' '));
      // Intermediate words created only for an alias path stay out of help.
      child.hidden = !canonical;
      node.children.set(parts[i], child);
      node.order.push(child);
    } else if (canonical && child.hidden && !child.spec) {
      child.hidden = false;
    }
    node = child;
  }
  return node;
}

function checkFlags(where: string, flags: FlagSpec[], taken: Map<string, string>, takenShort: Map<string, string>): void {
  for (const f of flags) {
    if (taken.has(f.name)) throw new Error(`${where}: duplicate long flag --${f.name}`);
    taken.set(f.name, where);
    if (f.short !== undefined) {
      if ([...f.short].length !== 1) throw new Error(`${where}: short flag of --${f.name} must be one character`);
      if (takenShort.has(f.short)) throw new Error(`${where}: duplicate short flag -${f.short}`);
      takenShort.set(f.short, where);
    }
  }
}

/**
 * Build the tree. Throws a plain Error (a programming mistake, not a user error) on duplicate
 * commands or flags, a variadic argument that is not last, or a required argument after an optional one.
 */
export function buildCommandTree<Ctx>(app: AppSpec<Ctx>): CommandTree<Ctx> {
  const root = newNode<Ctx>('');
  const globalFlags = app.globalFlags ?? [];
  const globalNames = new Map<string, string>();
  const globalShort = new Map<string, string>();
  checkFlags(app.name, globalFlags, globalNames, globalShort);

  const declaresHelp = app.commands.some((c) => words(c.name)[0] === 'help');
  if (app.commands.length > 0 && !declaresHelp) {
    const help = ensurePath(root, ['help'], true);
    help.isHelp = true;
    help.help = 'Show help.';
  }

  for (const spec of app.commands) {
    const parts = words(spec.name);
    if (parts.length === 0) throw new Error(`${app.name}: command with an empty name`);
    const node = ensurePath(root, parts, true);
    if (node.spec) throw new Error(`${app.name}: duplicate command '${node.path}'`);
    node.spec = spec;
    node.hidden = spec.hidden ?? false;
    checkFlags(node.path, spec.flags ?? [], new Map(globalNames), new Map(globalShort));
    const args = spec.args ?? [];
    args.forEach((a, i) => {
      if (a.variadic && i !== args.length - 1) throw new Error(`${node.path}: variadic argument <${a.name}> must be last`);
      if (a.required && i > 0 && !args[i - 1].required) {
        throw new Error(`${node.path}: required argument <${a.name}> follows an optional one`);
      }
    });
    for (const alias of spec.aliases ?? []) {
      const aliasParts = words(alias);
      const full = aliasParts.length === 1 ? [...parts.slice(0, -1), aliasParts[0]] : aliasParts;
      const parent = ensurePath(root, full.slice(0, -1), false);
      const last = full[full.length - 1];
      const existing = parent.children.get(last);
      if (existing && existing !== node) throw new Error(`${node.path}: alias '${alias}' collides with '${existing.path}'`);
      parent.children.set(last, node);
    }
  }

  for (const g of app.groups ?? []) {
    const node = ensurePath(root, words(g.name), true);
    node.help = g.help;
    if (g.hidden) node.hidden = true;
  }
  return { root, globalFlags };
}

/** Help text of a node: the command's, or the group's. */
export function nodeHelp<Ctx>(node: CommandNode<Ctx>): string {
  return node.spec?.help ?? node.help;
}

/**
 * Runnable commands under `node` as kingpin lists them: depth first in declaration order,
 * hidden ones left out, intermediate words only when they are runnable themselves.
 */
export function flattenCommands<Ctx>(node: CommandNode<Ctx>): CommandNode<Ctx>[] {
  const out: CommandNode<Ctx>[] = [];
  for (const child of node.order) {
    if (child.hidden) continue;
    if (child.spec || child.isHelp || child.order.length === 0) out.push(child);
    out.push(...flattenCommands(child));
  }
  return out;
}
