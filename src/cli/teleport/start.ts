/**
 * `teleport start`: loads teleport.yaml (or defaults when the default path has none), applies the
 * flags, starts the process, prints what is running and how to go on, and then runs until SIGTERM
 * or SIGINT (graceful stop) while SIGHUP reloads the config (a bad new config keeps the old one).
 */
import { resolve } from 'node:path';
import { VERSION } from '../../api/version.js';
import { exists } from '../../disk/index.js';
import {
  DEFAULT_CONFIG_PATH,
  applyStartFlags,
  checkConfigOnHost,
  defaultConfig,
  explainListenError,
  formatAddr,
  loadConfigFile,
  readTokenFlag,
  type TeleportConfig,
} from '../../config/index.js';
import type { CliIO, CommandSpec, Invocation } from '../framework/index.js';
import { createLogger } from '../../log/index.js';
import { TeleportProcess } from '../../service/index.js';
import type { TeleportCtx } from './context.js';

/**
 * Reads the config the flags point at, with the flags applied, and checks it against this host
 * (directories usable, files readable, listen addresses local): BadParameterError naming the key.
 */
export async function resolveConfig(inv: Invocation): Promise<TeleportConfig> {
  const f = inv.flags;
  const given = f.config as string | undefined;
  let cfg: TeleportConfig;
  if (given) {
    cfg = await loadConfigFile(resolve(inv.io.cwd, given));
  } else if (await exists(DEFAULT_CONFIG_PATH)) {
    cfg = await loadConfigFile(DEFAULT_CONFIG_PATH);
  } else {
    cfg = defaultConfig();
  }
  const withFlags = applyStartFlags(cfg, {
    roles: f.roles as string | undefined,
    token: await readTokenFlag(f.token as string | undefined),
    caPin: f['ca-pin'] as string[] | undefined,
    authServer: f['auth-server'] as string[] | undefined,
    nodename: f.nodename as string | undefined,
    labels: f.labels as string | undefined,
    dataDir: f['data-dir'] as string | undefined,
    pidFile: f['pid-file'] as string | undefined,
    diagAddr: f['diag-addr'] as string | undefined,
    advertiseIp: f['advertise-ip'] as string | undefined,
    insecureNoTls: f['insecure-no-tls'] as boolean | undefined,
    insecure: f.insecure as boolean | undefined,
    listenIp: f['listen-ip'] as string | undefined,
    db: { name: f['db-name'] as string | undefined, protocol: f['db-protocol'] as string | undefined, uri: f['db-uri'] as string | undefined, description: f['db-description'] as string | undefined },
  });
  await checkConfigOnHost(withFlags);
  return withFlags;
}

function banner(io: CliIO, proc: TeleportProcess, cfg: TeleportConfig, configPath: string | undefined): void {
  const a = proc.addresses;
  const lines: string[] = [];
  if (a.auth) lines.push(`[AUTH]    Auth service ${VERSION} is starting on ${formatAddr(a.auth)}.`);
  if (a.proxyWeb) lines.push(`[PROXY]   Web proxy service ${VERSION} is starting on ${formatAddr(a.proxyWeb)}.`);
  if (a.proxySSH) lines.push(`[PROXY]   SSH proxy service ${VERSION} is starting on ${formatAddr(a.proxySSH)}.`);
  if (a.proxyTunnel) lines.push(`[PROXY]   Reverse tunnel service ${VERSION} is starting on ${formatAddr(a.proxyTunnel)}.`);
  else if (a.proxyWeb) lines.push(`[PROXY]   Reverse tunnel service ${VERSION} is reached through the web port ${formatAddr(a.proxyWeb)} (TLS routing).`);
  if (a.proxyPostgres) lines.push(`[PROXY]   PostgreSQL proxy listener is starting on ${formatAddr(a.proxyPostgres)}.`);
  if (a.proxyMySQL) lines.push(`[PROXY]   MySQL proxy listener is starting on ${formatAddr(a.proxyMySQL)}.`);
  if (a.proxyKube) lines.push(`[PROXY]   Kubernetes proxy listener is starting on ${formatAddr(a.proxyKube)}.`);
  if (a.nodeSSH) lines.push(`[NODE]    Service ${VERSION} is starting on ${formatAddr(a.nodeSSH)}.`);
  if (a.nodeTunnelProxy) lines.push(`[NODE]    Service ${VERSION} is starting in reverse tunnel mode through ${a.nodeTunnelProxy}.`);
  if (a.diag) lines.push(`[DIAG]    Diagnostics service is listening on ${formatAddr(a.diag)}.`);
  io.stdout.write(lines.join('\n') + '\n');
  if (a.auth) {
    const tctl = configPath ? `tctl -c ${configPath}` : 'tctl';
    // configPath is shown as the user typed it, so the hint can be pasted from the same directory.
    const web = a.proxyWeb ? `${cfg.proxy.disableTls ? 'http' : 'https'}://${proc.proxyPublicAddr()}` : undefined;
    io.stdout.write(
      [
        '',
        `Cluster "${proc.clusterName}" is running with its state in ${cfg.teleport.dataDir}.`,
        ...(web ? [`Web address: ${web}`] : []),
        'Create the first user (it prints an invite link) with:',
        `  ${tctl} users add alice --roles=access,editor --logins=root`,
        ...(web
          ? [
              'Then, after setting the password at the link:',
              `  tsh login --proxy=${proc.proxyPublicAddr()} --user=alice${cfg.proxy.httpsKeypairs.length === 0 ? ' --insecure' : ''}`,
              ...(a.nodeSSH ? [`  tsh ssh root@${cfg.teleport.nodename}`] : []),
            ]
          : []),
        '',
      ].join('\n'),
    );
  }
}

/** What `--insecure` prints before anything else: it is not for production. */
export const INSECURE_WARNING =
  'WARNING: running in --insecure mode: the proxy\'s web certificate is NOT verified when this host joins through it.\n' +
  'Anyone between this host and the proxy can impersonate it. Do not use --insecure in production;\n' +
  'give the proxy a trusted certificate (https_keypairs) or pin the cluster CA with --ca-pin instead.\n';

/** Runs the process until a stop signal. Returns the exit code. */
async function run(inv: Invocation, ctx: TeleportCtx): Promise<number> {
  const configPath = inv.flags.config as string | undefined;
  let cfg = await resolveConfig(inv);
  const debug = Boolean(inv.flags.debug);
  const logger = createLogger({ output: cfg.teleport.log.output, severity: debug ? 'DEBUG' : cfg.teleport.log.severity, format: cfg.teleport.log.format.output, extraFields: cfg.teleport.log.format.extraFields });
  if (cfg.teleport.insecure) inv.io.stderr.write(INSECURE_WARNING);
  let proc = new TeleportProcess({ config: cfg, logger });
  await proc.start().catch((err: unknown) => {
    throw explainListenError(cfg, err);
  });
  banner(inv.io, proc, cfg, configPath);
  ctx.handover?.ready();

  return new Promise<number>((resolveExit) => {
    let busy = Promise.resolve();
    // shutdown_delay: keep serving that long after the first stop signal (so a load balancer drains
    // this host); a second stop signal ends the wait.
    let cutShort: (() => void) | undefined;
    // Set while this process, replaced by a successor, waits for its sessions to end.
    let endDrain: (() => void) | undefined;
    const stop = (signal: string) => {
      if (endDrain) {
        logger.info({ component: 'process', signal }, 'ending the remaining connections now');
        endDrain();
        return;
      }
      if (cutShort) {
        cutShort();
        return;
      }
      const delay = cfg.teleport.shutdownDelay ?? 0;
      const waited = new Promise<void>((done) => {
        const timer = setTimeout(done, delay);
        cutShort = () => {
          clearTimeout(timer);
          done();
        };
      });
      busy = busy.then(async () => {
        if (delay > 0) {
          logger.info({ component: 'process', signal, shutdown_delay_ms: delay }, 'shutting down after shutdown_delay; signal again to stop now');
          ctx.onShutdownDelay?.(delay);
        }
        await waited;
        logger.info({ component: 'process', signal }, 'shutting down');
        ctx.signals.off('SIGTERM', onTerm);
        ctx.signals.off('SIGINT', onInt);
        ctx.signals.off('SIGHUP', onHup);
        await proc.close();
        resolveExit(0);
      });
    };
    const reload = () => {
      busy = busy.then(async () => {
        let next: TeleportConfig;
        try {
          next = await resolveConfig(inv);
        } catch (err) {
          logger.error({ component: 'process', error: (err as Error).message }, 'reload refused: the new configuration is invalid; keeping the running one');
          return;
        }
        if (ctx.handover) {
          await handOver(ctx.handover, next);
          return;
        }
        logger.info({ component: 'process' }, 'reloading configuration');
        await proc.close();
        const candidate = new TeleportProcess({ config: next, logger });
        try {
          await candidate.start();
          proc = candidate;
          cfg = next;
        } catch (err) {
          logger.error({ component: 'process', error: (err as Error).message }, 'reload failed; restarting with the previous configuration');
          proc = new TeleportProcess({ config: cfg, logger });
          await proc.start();
        }
      });
    };
    // Teleport's graceful restart: a new process takes the listening sockets, so no connection is
    // refused meanwhile; this one keeps its sessions until they end, then exits.
    const handOver = async (handover: NonNullable<TeleportCtx['handover']>, next: TeleportConfig) => {
      logger.info({ component: 'process' }, 'reloading configuration: starting a new process on the same sockets');
      let pid: number;
      try {
        pid = await handover.start();
      } catch (err) {
        logger.error({ component: 'process', error: (err as Error).message }, 'reload failed; this process keeps serving with the previous configuration');
        return;
      }
      cfg = next;
      ctx.signals.off('SIGHUP', onHup);
      logger.info({ component: 'process', new_pid: pid }, 'the new process serves; this one stops accepting and exits when its sessions end (signal it to end them now)');
      let ticks = 0;
      const drained = handover.drain((open) => {
        if (++ticks % 60 === 0) logger.info({ component: 'process', open_connections: open }, 'waiting for sessions to end before exiting');
      });
      await Promise.race([drained, new Promise<void>((done) => (endDrain = done))]);
      ctx.signals.off('SIGTERM', onTerm);
      ctx.signals.off('SIGINT', onInt);
      await proc.close();
      resolveExit(0);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onHup = () => reload();
    ctx.signals.on('SIGTERM', onTerm);
    ctx.signals.on('SIGINT', onInt);
    ctx.signals.on('SIGHUP', onHup);
  });
}

/** The command spec. */
export const startCommand: CommandSpec<TeleportCtx> = {
  name: 'start',
  help: 'Starts the Teleport service.',
  flags: [
    { name: 'config', short: 'c', type: 'string', help: `Path to a configuration file [${DEFAULT_CONFIG_PATH}]`, env: 'TELEPORT_CONFIG_FILE' },
    { name: 'roles', short: 'r', type: 'string', help: 'Comma-separated list of roles to start with [proxy,node,auth]' },
    { name: 'token', type: 'string', help: 'Invitation token or path to file with token value to register with an auth server [none]' },
    { name: 'ca-pin', type: 'repeated', help: 'CA pin to validate the auth server (can be repeated for multiple pins)' },
    { name: 'auth-server', type: 'repeated', help: 'Address of the auth server [127.0.0.1:3025]' },
    { name: 'nodename', type: 'string', help: 'Name of this node, defaults to hostname' },
    { name: 'labels', type: 'string', help: 'Comma-separated list of labels for this node, for example env=dev,app=web' },
    { name: 'data-dir', type: 'string', help: 'Path to a directory where Teleport keeps its data' },
    { name: 'pid-file', type: 'string', help: 'Full path to the PID file. By default no PID file will be created' },
    { name: 'diag-addr', type: 'string', help: 'Start diagnostic prometheus and healthz endpoint.' },
    { name: 'advertise-ip', type: 'string', help: 'IP to advertise to clients if running behind NAT' },
    { name: 'listen-ip', short: 'l', type: 'string', help: 'IP address to bind to [0.0.0.0]' },
    { name: 'insecure-no-tls', type: 'bool', help: 'Disable TLS for the web socket' },
    { name: 'insecure', type: 'bool', help: 'Insecure mode disables certificate validation' },
    { name: 'db-name', type: 'string', help: 'Name of the database to proxy (with --roles=db)' },
    { name: 'db-protocol', type: 'string', help: 'Database protocol: postgres or mysql' },
    { name: 'db-uri', type: 'string', help: 'Database address to connect to, host:port' },
    { name: 'db-description', type: 'string', help: 'Description of the database' },
  ],
  run,
};
