/**
 * `tsh proxy ssh [user@]host:port`: a byte pipe between stdin/stdout and a node, through the
 * proxy's `proxy:host:port@cluster` subsystem. OpenSSH runs it as its ProxyCommand (`tsh config`),
 * then speaks SSH to the node over it end to end.
 */
import { BadParameterError } from '../../api/errors.js';
import type { CommandSpec } from '../framework/index.js';
import { aborted, byteSinks, connectProxy, splitUserHost, type TshCtx } from './tsh-context.js';

/** `[user@]host:port` → host (a trailing `.<cluster>` removed) and port. */
export function parseProxyTarget(arg: string, cluster: string): { host: string; port: number } {
  const { host: hostPort } = splitUserHost(arg);
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(hostPort) ?? /^([^:]+):(\d+)$/.exec(hostPort) ?? /^([^:]+)$/.exec(hostPort);
  if (!m || m[1] === '') throw new BadParameterError(`invalid target "${arg}": expected [user@]host:port`);
  const suffix = `.${cluster}`;
  const host = m[1].endsWith(suffix) && m[1].length > suffix.length ? m[1].slice(0, -suffix.length) : m[1];
  return { host, port: m[2] === undefined ? 0 : Number(m[2]) };
}

/** The command spec. */
export const proxySSHCommand: CommandSpec<TshCtx> = {
  name: 'proxy ssh',
  help: "Relay stdin/stdout to a node through the proxy (OpenSSH's ProxyCommand).",
  args: [{ name: 'target', help: 'The node as [user@]host:port', required: true }],
  async run(inv, ctx) {
    const proxy = await connectProxy(inv, ctx);
    try {
      const { host, port } = parseProxyTarget(String(inv.args.target), proxy.cluster);
      const channel = await proxy.dial(host, port);
      const sinks = byteSinks(inv.io, ctx.sys);
      let code = 0;
      channel.on('exit', (c: unknown) => {
        if (typeof c === 'number') code = c;
      });
      channel.stderr.on('data', (d: Buffer) => sinks.err(d));
      channel.on('data', (d: Buffer) => sinks.out(d));
      const stdin = inv.io.stdin;
      stdin.on('data', (d: Buffer) => {
        if (!channel.write(d)) {
          stdin.pause();
          channel.once('drain', () => stdin.resume());
        }
      });
      stdin.once('end', () => channel.end());
      stdin.resume();
      await Promise.race([new Promise<void>((resolve) => channel.once('close', () => resolve())), proxy.closed, aborted(ctx.sys.signal)]);
      stdin.pause();
      sinks.end();
      return code;
    } finally {
      proxy.close();
    }
  },
};
