/**
 * Where `teleport configure`, `node configure` and `install systemd` write what they generate:
 * stdout (`stdout` or `-`), or a new file (`file:///path` or a plain path, never replacing one).
 */
import { access, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AlreadyExistsError } from '../../api/errors.js';
import type { Invocation } from '../framework/index.js';

/** Writes `text` where --output says; resolves with the file's path, or undefined for stdout. */
export async function writeOutput(inv: Invocation, text: string, mode: number): Promise<string | undefined> {
  const out = String(inv.flags.output ?? 'stdout');
  if (out === 'stdout' || out === '-') {
    inv.io.stdout.write(text);
    return undefined;
  }
  const path = resolve(inv.io.cwd, out.replace(/^file:\/\//, ''));
  const taken = await access(path).then(
    () => true,
    () => false,
  );
  if (taken) throw new AlreadyExistsError(`${path} already exists; remove it first or write elsewhere with --output`);
  await writeFile(path, text, { mode });
  return path;
}

/** What a command prints after writing a config file. */
export function configWritten(path: string): string {
  return `A Teleport configuration file has been created at "${path}".\nTo start Teleport with this configuration file, run:\n\nteleport start --config="${path}"\n`;
}
