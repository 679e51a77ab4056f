/**
 * `tsh scp [-r] [-p] [-q] [-P port] source... destination`: copies between this machine and a node
 * over SFTP, `[user@]host:path` naming the remote side, with a progress line per file when stdout
 * is a terminal.
 */
import { BadParameterError } from '../../api/errors.js';
import { copyFiles, localSide, parseScpTarget, remoteSide, type ProgressFn, type ScpTarget } from '../../client/index.js';
import type { CliOutput, CommandSpec } from '../framework/index.js';
import { connectProxy, hostLogin, type TshCtx } from './tsh-context.js';

type Remote = Extract<ScpTarget, { kind: 'remote' }>;

/** Which side is remote, checked: exactly one, and every remote operand on the same host and login. */
export function planCopy(sources: string[], dest: string): { direction: 'upload' | 'download'; remote: Remote; sources: string[]; dest: string } {
  const src = sources.map(parseScpTarget);
  const dst = parseScpTarget(dest);
  const remoteSrc = src.filter((s): s is Remote => s.kind === 'remote');
  if (dst.kind === 'remote') {
    if (remoteSrc.length > 0) throw new BadParameterError('copying from one node to another is not supported: one side must be local');
    return { direction: 'upload', remote: dst, sources: src.map((s) => s.path), dest: dst.path };
  }
  if (remoteSrc.length === 0) throw new BadParameterError('neither side is remote: name the node as [user@]host:path');
  if (remoteSrc.length !== src.length) throw new BadParameterError('mixing local and remote sources is not supported');
  const first = remoteSrc[0];
  if (remoteSrc.some((r) => r.host !== first.host || r.login !== first.login)) {
    throw new BadParameterError('all remote sources must be on the same node, as the same login');
  }
  return { direction: 'download', remote: first, sources: remoteSrc.map((r) => r.path), dest: dst.path };
}

function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} ${units[i]}` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * A one-line progress bar per file, redrawn in place (`\r`, the rest of the line erased: a tree's
 * files are copied several at a time, so a shorter line may follow a longer one), finished with a
 * newline.
 */
export function progressBar(out: CliOutput): ProgressFn {
  let last = 0;
  return ({ path, transferred, total, done }) => {
    const now = Date.now();
    if (!done && now - last < 100) return;
    last = now;
    const width = 30;
    const frac = total > 0 ? Math.min(1, transferred / total) : 1;
    const filled = Math.round(frac * width);
    const bar = '='.repeat(filled) + (filled < width ? '>' : '') + ' '.repeat(Math.max(0, width - filled - 1));
    const name = path.length > 30 ? '...' + path.slice(-27) : path;
    out.write(`\r\x1b[K${name} [${bar}] ${Math.round(frac * 100)}% ${humanBytes(transferred)}/${humanBytes(total)}${done ? '\n' : ''}`);
  };
}

/** The command spec. */
export const scpCommand: CommandSpec<TshCtx> = {
  name: 'scp',
  help: 'Copy files between this machine and a node ([user@]host:path is the remote side).',
  args: [
    { name: 'from', help: 'Sources, then the destination', required: true, variadic: true },
  ],
  flags: [
    { name: 'recursive', short: 'r', type: 'bool', help: 'Copy directories with their contents' },
    { name: 'port', short: 'P', type: 'int', help: "The node's SSH port (when the host is named by address)" },
    { name: 'preserve', short: 'p', type: 'bool', help: 'Keep the modification and access times' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Show no progress' },
  ],
  async run(inv, ctx) {
    const operands = inv.args.from as string[];
    if (operands.length < 2) throw new BadParameterError('tsh scp needs a source and a destination: tsh scp [user@]host:path local, or local [user@]host:path');
    const plan = planCopy(operands.slice(0, -1), operands[operands.length - 1]);
    const login = hostLogin(inv, plan.remote.login);
    const port = typeof inv.flags.port === 'number' ? inv.flags.port : 0;
    const proxy = await connectProxy(inv, ctx);
    try {
      const client = await proxy.connectNode({ host: plan.remote.host, port, login });
      const sftp = await client.sftp();
      try {
        const remote = remoteSide(sftp, plan.remote.host);
        const local = localSide();
        const showProgress = inv.io.stdout.isTTY === true && inv.flags.quiet !== true;
        const opts = {
          recursive: inv.flags.recursive === true,
          preserve: inv.flags.preserve === true,
          ...(showProgress && { onProgress: progressBar(inv.io.stdout) }),
        };
        // Relative local paths are relative to the caller's directory, not tsh's.
        const abs = (p: string) => (p.startsWith('/') ? p : `${inv.io.cwd}/${p}`);
        if (plan.direction === 'upload') await copyFiles(local, plan.sources.map(abs), remote, plan.dest, opts);
        else await copyFiles(remote, plan.sources, local, abs(plan.dest), opts);
      } finally {
        sftp.close();
      }
    } finally {
      proxy.close();
    }
    return 0;
  },
};
