/**
 * Declarative command specs for our three CLIs. A CLI is an `AppSpec` (global flags plus commands,
 * each command one file elsewhere); `runApp` (run-app.ts) parses argv against it the way Teleport's
 * kingpin-based tools do and calls the selected command's `run`.
 */
import type { CliIO } from './io.js';

/**
 * How a flag's value is parsed:
 * `string` -> string | undefined; `bool` -> boolean (`--x`, `--no-x`, `--x=false`);
 * `list` -> string[] split on commas, repeats accumulate; `repeated` -> string[] one value per use;
 * `duration` -> milliseconds from a Go duration (`5m`, `1h30m`); `int` -> integer number.
 */
export type FlagType = 'string' | 'bool' | 'list' | 'repeated' | 'duration' | 'int';

/** One flag. `name` is the long name without dashes and the key in `Invocation.flags`. */
export interface FlagSpec {
  name: string;
  /** One character, used as `-x`. */
  short?: string;
  type: FlagType;
  help: string;
  /** Value when neither the flag nor its env var is given (durations may be `'1h'` or ms). */
  default?: unknown;
  /** Environment variable read when the flag is absent (`TELEPORT_PROXY`). */
  env?: string;
  hidden?: boolean;
  required?: boolean;
  /** Allowed values (checked for each element of list/repeated flags). */
  enum?: string[];
  /** Shown in usage for a required value flag (`--roles=ROLES`); defaults to the upper-cased name. */
  placeholder?: string;
}

/** One positional argument. A variadic argument must be the last and collects the rest. */
export interface ArgSpec {
  name: string;
  help: string;
  required?: boolean;
  variadic?: boolean;
}

/** What a command's `run` receives. */
export interface Invocation {
  /** Full command name as declared (`users add`), also when invoked through an alias. */
  command: string;
  /** Every flag in scope (global and the command's own), by long name, defaults applied. */
  flags: Record<string, unknown>;
  /** Positional arguments by name; variadic ones are string[] (empty when absent). */
  args: Record<string, string | string[] | undefined>;
  /** Words after `--` that no positional argument took. */
  rest: string[];
  io: CliIO;
}

/** One command. `name` may have several words (`users add`): the words form a command tree. */
export interface CommandSpec<Ctx> {
  name: string;
  /** Other names: one word replaces the last word of `name`; several words are a full path. */
  aliases?: string[];
  help: string;
  flags?: FlagSpec[];
  args?: ArgSpec[];
  hidden?: boolean;
  /**
   * After this many positional arguments, stop parsing flags: every later word is positional
   * (`tsh ssh host ls -la` passes `-la` to the remote command with a value of 1), as kingpin's
   * `Interspersed(false)` does.
   */
  stopFlagsAfterArgs?: number;
  /** Runs the command; the returned number (default 0) is the exit code. Throw to fail. */
  run(inv: Invocation, ctx: Ctx): Promise<number | void>;
}

/** Help text for an intermediate word of multi-word commands (`users` in `users add`). */
export interface GroupSpec {
  name: string;
  help: string;
  hidden?: boolean;
}

/** A whole CLI. */
export interface AppSpec<Ctx> {
  name: string;
  help: string;
  /** When set, `--version` prints it and exits 0. */
  version?: string;
  /** Flags accepted anywhere on the command line (before or after the command words). */
  globalFlags?: FlagSpec[];
  commands: CommandSpec<Ctx>[];
  groups?: GroupSpec[];
  /** Print the usage of the command at hand to stderr before a usage error (default true, as tctl/tsh do). */
  usageOnError?: boolean;
}
