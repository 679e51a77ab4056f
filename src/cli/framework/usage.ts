/**
 * Usage text in the layout of Teleport's kingpin template (`lib/utils/cli.go`): a usage line, the
 * help paragraph, then `Flags:`, `Args:` and `Commands:` as two-column tables indented by two.
 */
import { formatDuration } from '../../api/duration.js';
import type { AppSpec, ArgSpec, FlagSpec } from './args.js';
import { flattenCommands, nodeHelp } from './command-tree.js';
import type { CommandNode, CommandTree } from './command-tree.js';

/** Greedy word wrap of each paragraph (line) of `text` to `width` columns; returns lines. */
export function wrapLines(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    const wordsOf = para.split(/\s+/).filter((w) => w.length > 0);
    let line = '';
    for (const w of wordsOf) {
      if (line === '') line = w;
      else if (line.length + 1 + w.length <= width) line += ` ${w}`;
      else {
        out.push(line);
        line = w;
      }
    }
    out.push(line);
  }
  return out;
}

/** kingpin's FormatTwoColumns with indent 2 and padding 2; a left column of 30+ pushes help below. */
export function twoColumns(rows: Array<[string, string]>, width: number): string {
  let s = 0;
  for (const [left] of rows) if (left.length > s && left.length < 30) s = left.length;
  const indent = '  ';
  const offset = ' '.repeat(s + 2);
  let out = '';
  for (const [left, help] of rows) {
    const lines = wrapLines(help, Math.max(10, width - s - 4));
    out += indent + left.padEnd(s) + '  ';
    if (left.length >= 30) out += `\n${indent}${offset}`;
    out += `${lines[0]}\n`;
    for (const l of lines.slice(1)) out += `${indent}${offset}${l}\n`;
  }
  return out;
}

function placeholder(f: FlagSpec): string {
  return f.placeholder ?? f.name.toUpperCase();
}

/** `[<flags>]` and the required flags, as kingpin's FlagSummary (leading space, or ''). */
function flagSummary(flags: FlagSpec[]): string {
  const parts: string[] = [];
  for (const f of flags) {
    if (!f.required) continue;
    parts.push(f.type === 'bool' ? `--[no-]${f.name}` : `--${f.name}=${placeholder(f)}`);
  }
  if (flags.length !== parts.length) parts.push('[<flags>]');
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function argName(a: ArgSpec): string {
  const core = `<${a.name}>${a.variadic ? '...' : ''}`;
  return a.required ? core : `[${core}]`;
}

function defaultText(f: FlagSpec): string | undefined {
  const d = f.default;
  if (d === undefined || d === null || d === false || d === '') return undefined;
  if (Array.isArray(d)) return d.length > 0 ? d.join(',') : undefined;
  if (f.type === 'duration' && typeof d === 'number') return formatDuration(d);
  return String(d);
}

function flagRows(flags: FlagSpec[]): Array<[string, string]> {
  const visible = flags.filter((f) => !f.hidden);
  const haveShort = visible.some((f) => f.short !== undefined);
  return visible.map((f) => {
    const name = f.type === 'bool' ? `[no-]${f.name}` : f.name;
    let left = `--${name}`;
    if (f.short !== undefined) left = `-${f.short}, ${left}`;
    else if (haveShort) left = `    ${left}`;
    let help = f.help;
    const d = defaultText(f);
    if (d !== undefined) help += ` (default: ${d})`;
    if (f.env !== undefined) help += ` ($${f.env})`;
    return [left, help];
  });
}

function commandList<Ctx>(nodes: CommandNode<Ctx>[]): string {
  const w = Math.max(12, ...nodes.map((n) => n.path.length));
  return nodes.map((n) => `  ${n.path.padEnd(w)} ${nodeHelp(n)}\n`).join('');
}

function paragraph(help: string, width: number): string {
  return help === '' ? '' : `\n${wrapLines(help, width).join('\n')}\n`;
}

/** Usage of the whole app (`node` = root) or of one command or command group. */
export function renderUsage<Ctx>(app: AppSpec<Ctx>, tree: CommandTree<Ctx>, node: CommandNode<Ctx>, width = 80): string {
  const hasChildren = flattenCommands(node).length > 0;
  const commandsPart = hasChildren ? ' <command> [<args> ...]' : '';
  let out: string;
  let flags: FlagSpec[];
  if (node === tree.root) {
    flags = tree.globalFlags;
    out = `Usage: ${app.name}${flagSummary(flags)}${commandsPart}\n${paragraph(app.help, width)}\n`;
  } else {
    const own = node.spec?.flags ?? [];
    flags = [...tree.globalFlags, ...own];
    const argsPart = (node.spec?.args ?? []).map((a) => ` ${argName(a)}`).join('');
    out = `usage: ${app.name} ${node.path}${flagSummary(own)}${argsPart}${commandsPart}\n`;
    out += `${paragraph(nodeHelp(node), width)}\n`;
  }
  const rows = flagRows(flags);
  if (rows.length > 0) out += `Flags:\n${twoColumns(rows, width)}\n`;
  const args = node.spec?.args ?? [];
  if (args.length > 0) out += `Args:\n${twoColumns(args.map((a) => [argName(a), a.help]), width)}\n`;
  if (hasChildren) out += `Commands:\n${commandList(flattenCommands(node))}\n`;
  if (node === tree.root && hasChildren) out += `Try '${app.name} help [command]' to get help for a given command.\n`;
  const aliases = node.spec?.aliases ?? [];
  if (aliases.length > 0) out += `Aliases:\n${aliases.map((a) => `${a}\n`).join('')}\n`;
  return out;
}
