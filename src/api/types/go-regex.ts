/**
 * Go (RE2) regular expressions as role authors write them, compiled to JavaScript RegExps: named groups
 * `(?P<n>...)` and a leading `(?i)`/`(?s)`/`(?m)` flag group are translated; everything else is shared syntax.
 */
import { BadParameterError } from '../errors.js';

/**
 * Compile a Go regular expression. `anchored` wraps it as a full match (`^(?:...)$`). Throws
 * BadParameterError naming the expression when it does not compile.
 */
export function compileGoRegex(source: string, opts: { anchored?: boolean; global?: boolean } = {}): RegExp {
  let src = source.replace(/\(\?P</g, '(?<');
  let flags = opts.global ? 'g' : '';
  const lead = /^\(\?([ims]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) if (!flags.includes(f)) flags += f;
    src = src.slice(lead[0].length);
  }
  if (opts.anchored) src = `^(?:${src})$`;
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new BadParameterError(`invalid regular expression "${source}": ${(err as Error).message}`, { cause: err });
  }
}

/** Translate a Go replacement template (`$1`, `${1}`, `${name}`) to JavaScript's (`$1`, `$<name>`). */
export function goReplacement(repl: string): string {
  return repl.replace(/\$\{(\w+)\}/g, (_m, name: string) => (/^\d+$/.test(name) ? `$${name}` : `$<${name}>`));
}
