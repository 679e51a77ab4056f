/**
 * `teleport node configure`: writes the v3 teleport.yaml of an SSH node that joins through a
 * proxy (or an auth server) with a token or a secretless join method, as the install scripts and
 * Teleport's "add a server" guides run it. The text parses with parseConfig.
 */
import { hostname as osHostname } from 'node:os';
import { stringify } from 'yaml';
import { BadParameterError } from '../../api/errors.js';
import { DEFAULT_DATA_DIR, formatAddr, parseAddr, parseLabelSpec } from '../../config/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TeleportCtx } from './context.js';
import { configWritten, writeOutput } from './output.js';

/** The join methods a node config may name (the cluster refuses those it does not accept). */
const JOIN_METHODS = ['token', 'ec2', 'iam', 'kubernetes'] as const;

/** What shapes the node's config. */
export interface NodeConfigOptions {
  /** The proxy's public address (`proxy_server`); or `authServer` instead. */
  proxy?: string;
  authServer?: string;
  /** The token's name (the secret for `token`, the token resource's name otherwise). */
  token: string;
  joinMethod: string;
  caPins: string[];
  nodename: string;
  dataDir: string;
  /** `--labels` text: `k=v,k2=v2` with command labels in Teleport's `k=[period:cmd args]` form. */
  labels?: string;
  publicAddr?: string;
}

/** The config text. Throws BadParameterError naming the flag that is wrong. */
export function nodeConfig(o: NodeConfigOptions): string {
  if (!o.proxy === !o.authServer) throw new BadParameterError('set one of --proxy (the proxy\'s public address) or --auth-server');
  if (!o.token) throw new BadParameterError('--token is required: the join token, or the name of the token resource for ec2, iam or kubernetes joins');
  if (!(JOIN_METHODS as readonly string[]).includes(o.joinMethod)) {
    throw new BadParameterError(`--join-method: ${JSON.stringify(o.joinMethod)} is not one of ${JOIN_METHODS.join(', ')}`);
  }
  const address = (flag: string, text: string, port: number): string => {
    try {
      return formatAddr(parseAddr(text.replace(/^https?:\/\//, '').replace(/\/+$/, ''), port));
    } catch (err) {
      throw new BadParameterError(`${flag}: ${(err as Error).message}`, { cause: err });
    }
  };
  let labels: Record<string, string> = {};
  let commands: { name: string; command: string[]; period: string }[] = [];
  if (o.labels) {
    const spec = parseLabelSpec(o.labels);
    labels = spec.labels;
    commands = spec.commands.map((c) => ({ name: c.name, command: c.command, period: `${Math.max(1, Math.round(c.period / 1000))}s` }));
  }
  const doc = {
    version: 'v3',
    teleport: {
      nodename: o.nodename,
      data_dir: o.dataDir,
      join_params: { token_name: o.token, method: o.joinMethod },
      ...(o.proxy ? { proxy_server: address('--proxy', o.proxy, 443) } : { auth_server: address('--auth-server', o.authServer ?? '', 3025) }),
      ...(o.caPins.length > 0 && { ca_pin: o.caPins }),
      log: { output: 'stderr', severity: 'INFO', format: { output: 'text' } },
    },
    auth_service: { enabled: 'no' },
    proxy_service: { enabled: 'no' },
    ssh_service: {
      enabled: 'yes',
      ...(o.publicAddr && { public_addr: address('--public-addr', o.publicAddr, 3022) }),
      labels,
      commands: [{ name: 'hostname', command: ['hostname'], period: '1m0s' }, ...commands],
    },
  };
  return `# Teleport node configuration, written by \`teleport node configure\`.\n${stringify(doc)}`;
}

/** The command spec. */
export const nodeConfigureCommand: CommandSpec<TeleportCtx> = {
  name: 'node configure',
  help: 'Generate a configuration file for an SSH node.',
  flags: [
    { name: 'output', short: 'o', type: 'string', default: 'stdout', help: 'Write to stdout with "--output=stdout" or to a file with "--output=file:///etc/teleport.yaml".' },
    { name: 'proxy', type: 'string', help: 'Address of the proxy the node joins through (proxy_server), e.g. teleport.example.com:443.' },
    { name: 'auth-server', type: 'string', help: 'Address of the auth server to join directly instead of through a proxy.' },
    { name: 'token', type: 'string', help: 'Invitation token or the name of the token resource to join with.' },
    { name: 'join-method', type: 'string', default: 'token', help: `Method to join the cluster (${JOIN_METHODS.join(', ')}).` },
    { name: 'ca-pin', type: 'list', help: 'Comma-separated list of SKPI hashes of the CA used to verify the auth server.' },
    { name: 'node-name', type: 'string', help: 'Name of this node, defaults to the hostname.' },
    { name: 'data-dir', type: 'string', default: DEFAULT_DATA_DIR, help: 'Path to a directory where Teleport keeps its data.' },
    { name: 'labels', type: 'string', help: 'Comma-separated list of labels for this node, e.g. env=dev,app=web.' },
    { name: 'public-addr', type: 'string', help: 'The address the node advertises (ssh_service.public_addr).' },
  ],
  async run(inv) {
    const f = inv.flags;
    const text = nodeConfig({
      proxy: f.proxy as string | undefined,
      authServer: f['auth-server'] as string | undefined,
      token: String(f.token ?? ''),
      joinMethod: String(f['join-method']),
      caPins: ((f['ca-pin'] as string[] | undefined) ?? []).filter((p) => p !== ''),
      nodename: (f['node-name'] as string | undefined) || osHostname(),
      dataDir: String(f['data-dir']),
      labels: f.labels as string | undefined,
      publicAddr: f['public-addr'] as string | undefined,
    });
    const path = await writeOutput(inv, text, 0o600);
    if (path) inv.io.stdout.write(configWritten(path));
    return 0;
  },
};
