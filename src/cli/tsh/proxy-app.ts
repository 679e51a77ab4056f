/**
 * `tsh proxy app <app> [--port N]`: a local port on 127.0.0.1 for any client. Each connection is
 * carried to the proxy's web port over TLS with the app certificate (logged into first when the
 * profile has no live login for the app): an HTTP app's clients speak plain HTTP to the local
 * port (`curl http://127.0.0.1:N/`), a TCP app's speak their own protocol (`psql -h 127.0.0.1 -p N`).
 */
import { readFile } from 'node:fs/promises';
import { splitHostPort } from '../../api/client/index.js';
import { BadParameterError } from '../../api/errors.js';
import { dialApp, startLocalForward, type AppLogin } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { appLogins, appProfile, findApp, isTCPApp, listApps } from './app-common.js';
import { loginToApp } from './app-login.js';
import { aborted, connectProxy, type TshCtx } from './tsh-context.js';

/** `--port`: empty or 0 for a random port, else 1..65535. */
export function parseLocalPort(raw: unknown): number {
  if (raw === undefined || raw === '' || raw === 0) return 0;
  const s = String(raw);
  if (!/^\d+$/.test(s) || Number(s) > 65535) throw new BadParameterError(`--port must be a port number from 1 to 65535, got "${s}"`);
  return Number(s);
}

/** The command spec. */
export const proxyAppCommand: CommandSpec<TshCtx> = {
  name: 'proxy app',
  help: 'Start local TLS proxy for app connection when using Teleport in single-port mode.',
  args: [{ name: 'app', help: 'The name of the application to start local proxy for', required: true }],
  flags: [{ name: 'port', short: 'p', type: 'string', help: 'Specifies the source port used by the proxy app listener (random when omitted)' }],
  async run(inv, ctx) {
    const name = String(inv.args.app);
    const port = parseLocalPort(inv.flags.port);
    const id = await appProfile(inv, ctx);
    const proxy = await connectProxy(inv, ctx);
    let tcp: boolean;
    try {
      tcp = isTCPApp(findApp(await listApps(proxy.authClient()), name));
    } finally {
      proxy.close();
    }
    const now = (ctx.sys.now ?? Date.now)();
    let login: AppLogin | undefined = (await appLogins(id)).find((l) => l.route.name === name && l.expires.getTime() > now + 60_000);
    login ??= (await loginToApp(inv, ctx, id, name)).login;
    const [certPem, keyPem] = await Promise.all([readFile(login.certPath, 'utf8'), readFile(login.keyPath, 'utf8')]);
    const web = splitHostPort(id.webProxyAddr);
    const insecure = id.insecure === true || inv.flags.insecure === true;
    const dial = () => dialApp({ proxyHost: web.host, proxyPort: web.port, publicAddr: login.route.publicAddr, tcp, certPem, keyPem, caPems: id.tlsCAs, insecure });
    const listener = await startLocalForward({ bindHost: '127.0.0.1', bindPort: port, destHost: login.route.publicAddr, destPort: web.port }, dial, (err) =>
      inv.io.stderr.write(`ERROR: ${(err as Error).message}\n`),
    );
    inv.io.stdout.write(`Proxying connections to ${name} on 127.0.0.1:${listener.address.port}\n`);
    if (port === 0) inv.io.stdout.write('To avoid port randomization, you can choose the listening port using the --port flag.\n');
    await aborted(ctx.sys.signal);
    await listener.close();
    return 0;
  },
};
