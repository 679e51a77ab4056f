/**
 * What every tctl command receives: the io, a clock, and `connect()`, which finds the auth server and
 * credentials on first use (so `tctl version` and usage errors never touch the network or files).
 */
import type { Clock } from '../../api/clock.js';
import { systemClock } from '../../api/clock.js';
import type { LoadedClient } from '../../client/index.js';
import { loadClient } from '../../client/index.js';
import type { CliIO } from '../framework/index.js';

/** The context of one tctl run. */
export interface TctlCtx {
  io: CliIO;
  clock: Clock;
  /** The admin client, built once per run from `-c`/`-i`/`--auth-server`. */
  connect(): Promise<LoadedClient>;
}

/** Dependencies tests may replace. */
export interface TctlDeps {
  clock?: Clock;
}

/** Builds the context from the global flags. */
export function makeTctlCtx(globals: Record<string, unknown>, io: CliIO, deps: TctlDeps = {}): TctlCtx {
  let loaded: Promise<LoadedClient> | undefined;
  return {
    io,
    clock: deps.clock ?? systemClock,
    connect() {
      loaded ??= loadClient({
        configPath: (globals.config as string | undefined) ?? undefined,
        identityFile: (globals.identity as string | undefined) ?? undefined,
        authServers: (globals['auth-server'] as string[] | undefined) ?? [],
        cwd: io.cwd,
      });
      return loaded;
    },
  };
}
