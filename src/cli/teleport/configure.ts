/** `teleport configure`: prints (or writes with -o) a commented sample teleport.yaml. */
import { writeFile, access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AlreadyExistsError } from '../../api/errors.js';
import { sampleConfig } from '../../config/index.js';
import type { CommandSpec } from '../framework/index.js';
import type { TeleportCtx } from './context.js';

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
    const out = String(f.output ?? 'stdout');
    if (out === 'stdout' || out === '-') {
      inv.io.stdout.write(text);
      return 0;
    }
    const path = resolve(inv.io.cwd, out.replace(/^file:\/\//, ''));
    const taken = await access(path).then(
      () => true,
      () => false,
    );
    if (taken) throw new AlreadyExistsError(`${path} already exists; remove it first or write elsewhere with -o`);
    await writeFile(path, text, { mode: 0o600 });
    inv.io.stdout.write(`A Teleport configuration file has been created at "${path}".\nTo start Teleport with this configuration file, run:\n\nteleport start --config="${path}"\n`);
    return 0;
  },
};
