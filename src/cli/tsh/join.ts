/**
 * `tsh join [-m|--mode observer|moderator|peer] <session-id>`: attach to a live SSH session, as
 * Teleport's tsh does. The session's node comes from its session tracker; tsh connects through the
 * proxy as `tsh ssh` does, logging in as the join principal (`-teleport-internal-join`), and asks for
 * a shell with `TELEPORT_SESSION` and `TELEPORT_SSH_JOIN_MODE`. The node decides who may join. A peer's
 * keystrokes go to the session; an observer's and a moderator's do not, and their CTRL-C leaves.
 */
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import type { SessionTracker } from '../../api/types/index.js';
import type { SSHProcess } from '../../sshutils/index.js';
import type { CommandSpec } from '../framework/index.js';
import { exitCodeOf, pump } from './ssh-session.js';
import { byteSinks, connectProxy, type TshCtx } from './tsh-context.js';

/** The login a joining connection uses (Teleport's SSHSessionJoinPrincipal). */
export const JOIN_LOGIN = '-teleport-internal-join';

const MODES = ['observer', 'moderator', 'peer'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** CTRL-C: how an observer or moderator leaves. */
const CTRL_C = 0x03;

/** The command spec. */
export const joinCommand: CommandSpec<TshCtx> = {
  name: 'join',
  help: 'Join the active SSH session.',
  args: [{ name: 'session-id', help: 'ID of the session to join', required: true }],
  flags: [
    { name: 'mode', short: 'm', type: 'string', default: 'observer', enum: MODES, help: 'Mode of joining the session, valid modes are observer, moderator and peer.' },
  ],
  async run(inv, ctx) {
    const sid = String(inv.args['session-id']).toLowerCase();
    if (!UUID_RE.test(sid)) throw new BadParameterError(`'${String(inv.args['session-id'])}' is not a valid session ID (must be GUID)`);
    const mode = String(inv.flags.mode);
    if (!MODES.includes(mode)) throw new BadParameterError(`invalid participant mode "${mode}": expected observer, moderator or peer`);

    const proxy = await connectProxy(inv, ctx);
    try {
      const trackers = await proxy.authClient().listSessionTrackers<SessionTracker>();
      const tracker = trackers.find((t) => t.spec.session_id === sid);
      if (!tracker || tracker.spec.kind !== 'ssh') throw new NotFoundError(`session "${sid}" not found or it has ended`);
      const node = tracker.spec.host_id;
      const client = await proxy.connectNode({ host: node, port: 0, login: JOIN_LOGIN, hostId: node });
      try {
        const term = ctx.sys.terminal;
        const size = term?.size() ?? { cols: 80, rows: 24 };
        const pty = term ? { term: inv.io.env.TERM || 'xterm', cols: size.cols, rows: size.rows } : undefined;
        const proc = await client.shell({ ...(pty && { pty }), env: { TELEPORT_SESSION: sid, TELEPORT_SSH_JOIN_MODE: mode } });
        if (term) term.setRawMode(true);
        try {
          if (mode === 'peer') return exitCodeOf(await pumpWithSinks(proc, inv.io, ctx));
          return await watch(proc, inv.io, ctx);
        } finally {
          if (term) term.setRawMode(false);
        }
      } finally {
        await client.close();
      }
    } finally {
      proxy.close();
    }
  },
};

function pumpWithSinks(proc: SSHProcess, io: Parameters<typeof pump>[1], ctx: TshCtx) {
  const sinks = byteSinks(io, ctx.sys);
  return pump(proc, io, sinks).finally(() => sinks.end());
}

/** Observer or moderator: show the session, send no keystrokes; CTRL-C leaves (exit 0). */
async function watch(proc: SSHProcess, io: Parameters<typeof pump>[1], ctx: TshCtx): Promise<number> {
  const sinks = byteSinks(io, ctx.sys);
  proc.stdout.on('data', (d: Buffer) => sinks.out(d));
  proc.stderr.on('data', (d: Buffer) => sinks.err(d));
  let leave!: () => void;
  const left = new Promise<'left'>((resolve) => (leave = () => resolve('left')));
  const onData = (d: Buffer | string) => {
    const b = typeof d === 'string' ? Buffer.from(d) : d;
    if (b.includes(CTRL_C)) leave();
  };
  io.stdin.on('data', onData);
  io.stdin.resume();
  try {
    const r = await Promise.race([proc.exit, left]);
    if (r === 'left') {
      sinks.out(Buffer.from('\r\nLeft the session.\r\n'));
      return 0;
    }
    return exitCodeOf(r);
  } finally {
    io.stdin.off('data', onData);
    io.stdin.pause();
    sinks.end();
  }
}
