/** Whether a path exists on the local disk. */
import { stat } from 'node:fs/promises';

/** True when `path` names something that can be stat'ed (following symlinks); false for any error. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
