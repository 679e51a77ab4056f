// Process entry of `tsh`: wires argv, stdio, the terminal and the exit code to runTsh.
import { resolve } from 'node:path';
import type { ReadStream } from 'node:tty';
import { processIO } from '../framework/index.js';
import { runTsh } from './run.js';
import type { Terminal } from './tsh-context.js';

function processTerminal(): Terminal | undefined {
  const stdin = process.stdin as ReadStream;
  if (!stdin.isTTY || !process.stdout.isTTY) return undefined;
  return {
    size: () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 }),
    setRawMode: (on) => void stdin.setRawMode(on),
    onResize: (cb) => {
      process.stdout.on('resize', cb);
      return () => void process.stdout.off('resize', cb);
    },
  };
}

const terminal = processTerminal();
runTsh(process.argv.slice(2), processIO(), {
  stdout: process.stdout,
  stderr: process.stderr,
  ...(terminal && { terminal }),
  executablePath: process.argv[1] ? resolve(process.argv[1]) : undefined,
}).then(
  (code) => {
    // Exit now: stdin may still be open (a terminal, or the pipe of an OpenSSH ProxyCommand).
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`ERROR: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
