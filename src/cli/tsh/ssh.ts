/**
 * `tsh ssh [-p port] [-l login] [-A] [-L ...] [-R ...] [-D ...] [-N] [-t|-T] [-o opt] [user@]host [command...]`:
 * a shell or command on a node through the proxy, with OpenSSH-style forwards; `host` may be a
 * label selector (`env=prod`), which runs the command on every matching node.
 */
import { BadParameterError, NotFoundError } from '../../api/errors.js';
import type { Node } from '../../api/types/node.js';
import {
  isLabelSelector,
  matchNodes,
  parseDynamicForwardSpec,
  parseForwardSpec,
  parseLabelSelector,
  sortNodes,
  type ProxyClient,
} from '../../client/index.js';
import type { CommandSpec, Invocation } from '../framework/index.js';
import { startForwards, type ForwardRequests } from './forwards.js';
import { runOnNodes } from './ssh-fanout.js';
import { runSession } from './ssh-session.js';
import { aborted, connectProxy, hostLogin, splitUserHost, type TshCtx } from './tsh-context.js';
import { sessionMFACert } from './mfa-session.js';

/** `-o` options we act on; the values OpenSSH takes. */
interface SSHOptions {
  forwardAgent?: boolean;
  requestTTY?: 'yes' | 'no' | 'force' | 'auto';
}

/** Parse `-o Key=value` / `-o "Key value"`; unknown keys are reported and ignored. */
export function parseSSHOptions(opts: string[], warn: (s: string) => void): SSHOptions {
  const out: SSHOptions = {};
  for (const o of opts) {
    const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(o);
    if (!m) throw new BadParameterError(`invalid -o option "${o}": expected Key=Value`);
    const key = m[1].toLowerCase();
    const value = m[2].toLowerCase();
    if (key === 'forwardagent') {
      if (value !== 'yes' && value !== 'no') throw new BadParameterError(`invalid value "${m[2]}" for ForwardAgent: expected yes or no`);
      out.forwardAgent = value === 'yes';
    } else if (key === 'requesttty') {
      if (!['yes', 'no', 'force', 'auto'].includes(value)) throw new BadParameterError(`invalid value "${m[2]}" for RequestTTY: expected yes, no, force or auto`);
      out.requestTTY = value as SSHOptions['requestTTY'];
    } else {
      warn(`WARNING: Option '${m[1]}' is not supported and will be ignored.\n`);
    }
  }
  return out;
}

function forwardRequests(f: Record<string, unknown>): ForwardRequests {
  const list = (k: string) => (Array.isArray(f[k]) ? (f[k] as string[]) : []);
  return {
    local: list('forward').map(parseForwardSpec),
    remote: list('remote-forward').map(parseForwardSpec),
    dynamic: list('dynamic-forward').map(parseDynamicForwardSpec),
  };
}

/** Whether to ask for a PTY: -t/-T and RequestTTY first, else only for a shell on a terminal. */
function wantPty(inv: Invocation, ctx: TshCtx, hasCommand: boolean, o: SSHOptions): boolean {
  if (inv.flags['no-tty'] === true || o.requestTTY === 'no') return false;
  if (inv.flags.tty === true || o.requestTTY === 'yes' || o.requestTTY === 'force') return true;
  return !hasCommand && ctx.sys.terminal !== undefined;
}

/** The command spec. */
export const sshCommand: CommandSpec<TshCtx> = {
  name: 'ssh',
  help: 'Open a shell on a node, or run a command there (on every matching node for a label selector).',
  args: [
    { name: 'host', help: 'The node: [login@]hostname, UUID or address, or labels key=value[,key=value]', required: true },
    { name: 'command', help: 'The command to run instead of a shell', variadic: true },
  ],
  stopFlagsAfterArgs: 1,
  flags: [
    { name: 'port', short: 'p', type: 'int', help: "The node's SSH port (when the host is named by address)" },
    { name: 'forward-agent', short: 'A', type: 'bool', help: 'Make the local ssh-agent ($SSH_AUTH_SOCK) usable on the node' },
    { name: 'forward', short: 'L', type: 'repeated', placeholder: '[BIND:]PORT:HOST:HOSTPORT', help: 'Listen locally and connect to HOST:HOSTPORT from the node (repeatable)' },
    { name: 'remote-forward', short: 'R', type: 'repeated', placeholder: '[BIND:]PORT:HOST:HOSTPORT', help: 'Listen on the node and connect to HOST:HOSTPORT from here (repeatable)' },
    { name: 'dynamic-forward', short: 'D', type: 'repeated', placeholder: '[BIND:]PORT', help: 'A local SOCKS5 proxy whose connections are made from the node (repeatable)' },
    { name: 'no-remote-exec', short: 'N', type: 'bool', help: 'Run nothing on the node: only keep the forwards open' },
    { name: 'tty', short: 't', type: 'bool', help: 'Ask for a pseudo-terminal even when running a command' },
    { name: 'no-tty', short: 'T', type: 'bool', help: 'Never ask for a pseudo-terminal' },
    { name: 'option', short: 'o', type: 'repeated', help: 'An OpenSSH option as Key=Value (ForwardAgent, RequestTTY)' },
  ],
  async run(inv, ctx) {
    const { user, host } = splitUserHost(String(inv.args.host));
    if (host === '') throw new BadParameterError('no host given: tsh ssh [user@]host [command]');
    const login = hostLogin(inv, user);
    const port = typeof inv.flags.port === 'number' ? inv.flags.port : 0;
    const words = inv.args.command as string[];
    const command = words.length > 0 ? words.join(' ') : undefined;
    const noExec = inv.flags['no-remote-exec'] === true;
    const options = parseSSHOptions((inv.flags.option as string[] | undefined) ?? [], (s) => inv.io.stderr.write(s));
    const forwards = forwardRequests(inv.flags);
    const forwardAgent = options.forwardAgent ?? inv.flags['forward-agent'] === true;
    const agent = forwardAgent ? inv.io.env.SSH_AUTH_SOCK : undefined;
    if (forwardAgent && !agent) inv.io.stderr.write('WARNING: SSH_AUTH_SOCK is not set: there is no agent to forward.\n');

    const proxy = await connectProxy(inv, ctx);
    try {
      let target: { host: string; hostId?: string } = { host };
      if (isLabelSelector(host)) {
        const nodes = await nodesMatching(proxy, host);
        if (nodes.length > 1) {
          if (command === undefined || noExec) {
            throw new BadParameterError(`${nodes.length} nodes match ${host}: give a command to run on all of them, or narrow the labels down to one node`);
          }
          return await runOnNodes(proxy, nodes, command, login, port, inv.io);
        }
        target = { host: nodes[0].metadata.name, hostId: nodes[0].metadata.name };
      }
      // require_session_mfa: a one-minute certificate for this node after an MFA check (mfa-session.ts).
      const mfaCert = await sessionMFACert(inv, proxy, () => proxy.resolveHostId(target.host, port).then((id) => target.hostId ?? id ?? target.host), login);
      const client = await proxy.connectNode({ ...target, port, login, ...(agent && { agent }), ...(mfaCert && { cert: mfaCert }) });
      const running = await startForwards(client, forwards, inv.io);
      try {
        if (noExec) {
          await Promise.race([client.closed, aborted(ctx.sys.signal)]);
          return 0;
        }
        return await runSession(client, { ...(command !== undefined && { command }), pty: wantPty(inv, ctx, command !== undefined, options), io: inv.io, sys: ctx.sys });
      } finally {
        await running.close();
      }
    } finally {
      proxy.close();
    }
  },
};

async function nodesMatching(proxy: ProxyClient, selector: string): Promise<Node[]> {
  const nodes = sortNodes(matchNodes(await proxy.authClient().listNodes<Node>(), parseLabelSelector(selector)));
  if (nodes.length === 0) throw new NotFoundError(`no nodes match the labels ${selector} (or your roles do not allow any that do)`);
  return nodes;
}
