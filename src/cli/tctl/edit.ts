/**
 * `tctl edit <kind>/<name>`: the resource as YAML in a temp file, opened with $TELEPORT_EDITOR,
 * $VISUAL or $EDITOR (default vi). An unchanged file writes nothing; a changed one is validated and
 * must keep its kind and name before it replaces the stored resource.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadParameterError } from '../../api/errors.js';
import { kindInfo, parseKindRef, toYAML } from '../../api/types/index.js';
import type { CliIO, CommandSpec } from '../framework/index.js';
import type { TctlCtx } from './context.js';
import { parseFrom } from './create.js';
import { describe, fetchRef, refName } from './resource-text.js';

function runEditor(io: CliIO, file: string): Promise<void> {
  const editor = io.env.TELEPORT_EDITOR || io.env.VISUAL || io.env.EDITOR || 'vi';
  return new Promise((resolvePromise, reject) => {
    // Through the shell, so EDITOR may carry arguments ("code --wait").
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'tctl-edit', file], { stdio: 'inherit', env: io.env as NodeJS.ProcessEnv, cwd: io.cwd });
    child.on('error', (err) => reject(new BadParameterError(`could not start the editor "${editor}": ${err.message}`, { cause: err })));
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new BadParameterError(`the editor "${editor}" exited with ${signal ?? `status ${code}`}; nothing was changed`));
    });
  });
}

/** The edit command. */
export const editCommand: CommandSpec<TctlCtx> = {
  name: 'edit',
  help: 'Edit a Teleport resource.',
  args: [{ name: 'resource', help: "Resource to update: '<kind>/<name>', e.g. role/dev or cap", required: true }],
  async run(inv, ctx) {
    const ref = parseKindRef(inv.args.resource as string);
    const info = kindInfo(ref.kind);
    if (ref.name === undefined && !info?.singleton) {
      throw new BadParameterError(`please specify the name of the ${ref.kind} to edit: tctl edit ${ref.kind}/<name>`);
    }
    const { client } = await ctx.connect();
    const [original] = await fetchRef(client, ref.name === undefined ? { kind: ref.kind, name: info!.singletonName } : ref, false);
    const before = toYAML([original]);
    const dir = await mkdtemp(join(tmpdir(), 'tctl-edit-'));
    const file = join(dir, `${ref.kind}.yaml`);
    try {
      await writeFile(file, before, { mode: 0o600 });
      await runEditor(inv.io, file);
      const after = await readFile(file, 'utf8');
      if (after === before) {
        inv.io.stderr.write('edit canceled, no changes made\n');
        return;
      }
      const edited = parseFrom(after, 'edited resource');
      if (edited.length !== 1) throw new BadParameterError(`edited resource: expected exactly one resource, found ${edited.length}; nothing was changed`);
      const r = edited[0];
      if (r.kind !== original.kind || refName(r) !== refName(original)) {
        throw new BadParameterError(`renaming resources is not supported with tctl edit (was ${describe(original)}, now ${describe(r)}); nothing was changed`);
      }
      await client.createResource(r, { force: true });
      inv.io.stdout.write(`${describe(r)} has been updated\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
