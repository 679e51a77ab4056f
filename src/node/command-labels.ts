/**
 * Dynamic (command) labels: each configured command runs (argv, no shell) once at start and then
 * every `period` on the injected clock; its trimmed output is the label's value. A failing command
 * is logged and its label shows the error with whatever it printed, as Teleport does.
 */
import { execFile } from 'node:child_process';
import type { Clock } from '../api/clock.js';
import { formatDuration } from '../api/duration.js';
import type { CommandLabel as NodeCommandLabel } from '../api/types/index.js';
import type { CommandLabel } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Ticker } from './ticker.js';

/** A command that runs longer than this is killed and counts as failed. */
export const COMMAND_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 64 * 1024;

/** Runs one label command; resolves with the label value (never rejects). */
export type LabelRunner = (command: string[]) => Promise<string>;

interface LabelState {
  spec: CommandLabel;
  result: string;
  nextRun: number;
  running: boolean;
}

/** Options of CommandLabels. */
export interface CommandLabelsOptions {
  labels: readonly CommandLabel[];
  clock: Clock;
  ticker: Ticker;
  logger: Logger;
  /** Called when any label's value changes (after the first round). */
  onChange(): void;
  /** Replaces the real runner (tests). */
  run?: LabelRunner;
}

/** The node's command labels and their latest values. */
export class CommandLabels {
  private readonly states: LabelState[];
  private readonly run: LabelRunner;
  private stopTicker: (() => void) | undefined;
  private firstRound: Promise<void> | undefined;

  constructor(private readonly opts: CommandLabelsOptions) {
    this.states = opts.labels.map((spec) => ({ spec, result: '', nextRun: 0, running: false }));
    this.run = opts.run ?? ((cmd) => runLabelCommand(cmd, opts.logger));
  }

  /** Run every label once and keep them refreshed; resolves when the first round is done. */
  start(): Promise<void> {
    this.firstRound ??= (async () => {
      await Promise.all(this.states.map((s) => this.refresh(s, false)));
      this.stopTicker = this.opts.ticker.add(() => this.check());
    })();
    return this.firstRound;
  }

  /** Stop refreshing. Safe to call twice. */
  close(): void {
    this.stopTicker?.();
    this.stopTicker = undefined;
  }

  /** Label name to latest value. */
  values(): Record<string, string> {
    return Object.fromEntries(this.states.map((s) => [s.spec.name, s.result]));
  }

  /** The `cmd_labels` of the node resource. */
  toResource(): Record<string, NodeCommandLabel> {
    return Object.fromEntries(
      this.states.map((s) => [s.spec.name, { command: [...s.spec.command], period: formatDuration(s.spec.period), result: s.result }]),
    );
  }

  private check(): void {
    const now = this.opts.clock.now();
    for (const s of this.states) {
      if (!s.running && now >= s.nextRun) void this.refresh(s, true);
    }
  }

  private async refresh(s: LabelState, notify: boolean): Promise<void> {
    s.running = true;
    try {
      const result = await this.run(s.spec.command);
      const changed = result !== s.result;
      s.result = result;
      if (changed && notify) this.opts.onChange();
    } finally {
      s.running = false;
      s.nextRun = this.opts.clock.now() + s.spec.period;
    }
  }
}

/** Run `command` without a shell; its trimmed stdout, or `<error> output: <stdout>` on failure. */
export function runLabelCommand(command: string[], logger: Logger): Promise<string> {
  return new Promise((resolve) => {
    execFile(command[0], command.slice(1), { timeout: COMMAND_TIMEOUT_MS, maxBuffer: MAX_OUTPUT, windowsHide: true }, (err, stdout) => {
      const out = String(stdout);
      if (!err) return resolve(out.trim());
      logger.warn({ command: command.join(' '), err: err.message }, 'failed to run command and update label');
      resolve(`${describe(err)} output: ${out}`.trim());
    });
  });
}

function describe(err: Error & { code?: unknown; signal?: unknown; killed?: boolean }): string {
  if (typeof err.code === 'number') return `exit status ${err.code}`;
  if (err.killed || typeof err.signal === 'string') return `signal: ${String(err.signal ?? 'killed')}`;
  return err.message;
}
