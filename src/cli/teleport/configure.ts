/** `teleport configure`: prints (or writes with -o) a commented sample teleport.yaml. */
import { sampleConfig } from '../../config/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TeleportCtx } from './context.js';
import { configWritten, writeOutput } from './output.js';

/** The command spec. */
export const configureCommand: CommandSpec<TeleportCtx> = {
  name: 'configure',
  help: 'Generate a simple config file to get started.',
  flags: [
    { name: 'output', short: 'o', type: 'string', help: 'Write to stdout with "-o=stdout" or to a file with "-o=file:///etc/teleport.yaml" (a plain path works too)', default: 'stdout' },
    { name: 'cluster-name', type: 'string', help: 'Unique cluster name, e.g. example.com.' },
    { name: 'public-addr', type: 'string', help: 'The hostport that the proxy advertises for the HTTP endpoint.' },
    { name: 'data-dir', type: 'string', help: 'Path to a directory where Teleport keeps its data.' },
    { name: 'nodename', type: 'string', help: 'Name of this node, defaults to hostname.' },
  ],
  async run(inv) {
    const f = inv.flags;
    const text = sampleConfig({
      clusterName: f['cluster-name'] as string | undefined,
      publicAddr: f['public-addr'] as string | undefined,
      dataDir: f['data-dir'] as string | undefined,
      nodename: f.nodename as string | undefined,
    });
    const path = await writeOutput(inv, text, 0o600);
    if (path) inv.io.stdout.write(configWritten(path));
    return 0;
  },
};
