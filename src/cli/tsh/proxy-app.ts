/**
 * `tsh proxy app <app> [--port N]`: a local port on 127.0.0.1 for any client. Each connection is
 * carried to the proxy's web port over TLS with the app certificate (logged into first when the
 * profile has no live login for the app): an HTTP app's clients speak plain HTTP to the local
 * port (`curl http://127.0.0.1:N/`), a TCP app's speak their own protocol (`psql -h 127.0.0.1 -p N`).
 * A long-running proxy outlives its app certificate: shortly before it expires the next connection
 * has a new one issued from the tsh login (re-read, so a `tsh login` in another terminal counts), as
 * Teleport's local proxy does; once the login itself has expired, connections are refused with a
 * message to run `tsh login` again, and the proxy keeps listening for after that.
 */
import { readFile } from 'node:fs/promises';
import { splitHostPort } from '../../api/client/index.js';
import { AccessDeniedError, BadParameterError } from '../../api/errors.js';
import { dialApp, startLocalForward, type AppLogin } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { appLogins, appProfile, findApp, isTCPApp, listApps } from './app-common.js';
import { loginToApp } from './app-login.js';
import { aborted, connectProxy, type TshCtx } from './tsh-context.js';

/** An app certificate is replaced when it has less than this left. */
const RENEW_BEFORE_MS = 60_000;

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
    const clock = ctx.sys.now ?? Date.now;
    const usable = (l: AppLogin) => l.route.name === name && l.expires.getTime() > clock() + RENEW_BEFORE_MS;
    const credentials = async (l: AppLogin) => ({ login: l, certPem: await readFile(l.certPath, 'utf8'), keyPem: await readFile(l.keyPath, 'utf8') });
    let current = await credentials((await appLogins(id)).find(usable) ?? (await loginToApp(inv, ctx, id, name)).login);
    let renewing: Promise<typeof current> | undefined;
    let renewedAt = -Infinity;
    // The certificate to dial with: the current one, or a new one once it is about to expire (one
    // issued in the login's last minute is used until it ends, not issued again for each connection).
    const fresh = (): Promise<typeof current> => {
      const now = clock();
      if (usable(current.login) || (current.login.expires.getTime() > now && now - renewedAt < RENEW_BEFORE_MS)) return Promise.resolve(current);
      renewing ??= (async () => {
        const { identityFromCertificate } = await import('../../tlsca/index.js');
        const profile = await appProfile(inv, ctx);
        const loginEnds = identityFromCertificate(profile.tlsCertPem).expires.getTime();
        if (loginEnds <= clock()) {
          throw new AccessDeniedError(`your tsh login expired at ${new Date(loginEnds).toISOString()}, and with it the certificate for app "${name}": run "tsh login" again (this proxy keeps listening and uses the new login)`);
        }
        current = await credentials((await loginToApp(inv, ctx, profile, name)).login);
        renewedAt = clock();
        return current;
      })().finally(() => (renewing = undefined));
      return renewing;
    };
    const web = splitHostPort(id.webProxyAddr);
    const insecure = id.insecure === true || inv.flags.insecure === true;
    const dial = async () => {
      const c = await fresh();
      return dialApp({ proxyHost: web.host, proxyPort: web.port, publicAddr: c.login.route.publicAddr, tcp, certPem: c.certPem, keyPem: c.keyPem, caPems: id.tlsCAs, insecure });
    };
    const listener = await startLocalForward({ bindHost: '127.0.0.1', bindPort: port, destHost: current.login.route.publicAddr, destPort: web.port }, dial, (err) =>
      inv.io.stderr.write(`ERROR: ${(err as Error).message}\n`),
    );
    inv.io.stdout.write(`Proxying connections to ${name} on 127.0.0.1:${listener.address.port}\n`);
    if (port === 0) inv.io.stdout.write('To avoid port randomization, you can choose the listening port using the --port flag.\n');
    await aborted(ctx.sys.signal);
    await listener.close();
    return 0;
  },
};
