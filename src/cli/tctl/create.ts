/**
 * `tctl create [-f] <file>` (stdin when absent or `-`): every document is parsed and validated, and
 * (without -f) checked not to exist, before the first one is written.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { AlreadyExistsError, BadParameterError, LimitExceededError, NotFoundError, isCode } from '../../api/errors.js';
import type { AuthClient } from '../../api/client/index.js';
import type { AnyResource } from '../../api/types/index.js';
import { MAX_RESOURCE_TEXT, formatBytes, parseResources } from '../../api/types/index.js';
import type { CliIO, CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { describe, refName } from './resource-text.js';

/** Resource text of at most MAX_RESOURCE_TEXT bytes; LimitExceededError naming the limit beyond, before it is read. */
async function readInput(io: CliIO, file: string | undefined): Promise<{ text: string; source: string }> {
  const tooLarge = (source: string, size: number) => new LimitExceededError(`${source} is ${size} bytes, larger than the limit of ${formatBytes(MAX_RESOURCE_TEXT)}`);
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of io.stdin) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
      size += chunk.length;
      if (size > MAX_RESOURCE_TEXT) throw tooLarge('standard input', size);
      chunks.push(chunk);
    }
    return { text: Buffer.concat(chunks).toString('utf8'), source: 'standard input' };
  }
  const path = isAbsolute(file) ? file : resolve(io.cwd, file);
  try {
    const { size } = await stat(path);
    if (size > MAX_RESOURCE_TEXT) throw tooLarge(file, size);
    return { text: await readFile(path, 'utf8'), source: file };
  } catch (err) {
    if (isCode(err, 'limit_exceeded')) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`file ${file} does not exist`, { cause: err });
    throw new BadParameterError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Parses resource text, prefixing errors with where it came from. */
export function parseFrom(text: string, source: string): AnyResource[] {
  let rs: AnyResource[];
  try {
    rs = parseResources(text);
  } catch (err) {
    if (isCode(err, 'bad_parameter')) throw new BadParameterError(`${source}: ${(err as Error).message}`, { cause: err });
    throw err;
  }
  if (rs.length === 0) throw new BadParameterError(`${source}: no resources found, expected YAML or JSON documents with kind, version, metadata and spec`);
  return rs;
}

async function exists(client: AuthClient, r: AnyResource): Promise<boolean> {
  try {
    await client.getResource(r.kind, refName(r));
    return true;
  } catch (err) {
    if (isCode(err, 'not_found')) return false;
    throw err;
  }
}

/** The create command. */
export const createCommand: CommandSpec<TctlCtx> = {
  name: 'create',
  help: 'Create or update a Teleport resource from a YAML file.',
  args: [{ name: 'filename', help: 'resource definition file, empty for stdin' }],
  flags: [{ name: 'force', short: 'f', type: 'bool', help: 'Overwrite the resource if already exists' }],
  async run(inv, ctx) {
    const { text, source } = await readInput(inv.io, inv.args.filename as string | undefined);
    const resources = parseFrom(text, source);
    const force = inv.flags.force === true;
    const { client } = await ctx.connect();
    const existed: boolean[] = [];
    for (const r of resources) {
      const e = await exists(client, r);
      // Singletons (cluster_auth_preference) always exist: creating one replaces the settings.
      if (e && !force && r.kind !== 'cluster_auth_preference') {
        throw new AlreadyExistsError(`${describe(r)} already exists, use -f or --force flag to override`);
      }
      existed.push(e);
    }
    for (const [i, r] of resources.entries()) {
      await client.createResource(r, { force: force || existed[i] });
      inv.io.stdout.write(`${describe(r)} has been ${existed[i] ? 'updated' : 'created'}\n`);
    }
  },
};
