/** A node's labels, apart from the node schema so that clients listing nodes need not load zod. */
import type { Node } from './node.js';

/** All labels of a node: static metadata labels plus each command label's latest result. */
export function nodeLabels(node: Node): Record<string, string> {
  const out: Record<string, string> = { ...(node.metadata.labels ?? {}) };
  for (const [k, v] of Object.entries(node.spec.cmd_labels ?? {})) out[k] = v.result ?? '';
  return out;
}
