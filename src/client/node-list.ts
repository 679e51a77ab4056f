/**
 * Nodes as tsh shows and selects them: label selectors (`env=prod,role=web`), matching, and the
 * label text of `tsh ls` in Teleport's order (plain keys, then `a/b` keys, then `teleport.dev/` keys).
 */
import { BadParameterError } from '../api/errors.js';
import { nodeLabels } from '../api/types/node-labels.js';
import type { Node } from '../api/types/node.js';

/** True when a host argument is a label selector rather than a name. */
export function isLabelSelector(host: string): boolean {
  return host.includes('=');
}

/** `k=v[,k2=v2]` → labels. Throws BadParameterError naming the selector when a part has no key. */
export function parseLabelSelector(selector: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of selector.split(',')) {
    if (part.trim() === '') continue;
    const i = part.indexOf('=');
    const key = i < 0 ? '' : part.slice(0, i).trim();
    if (key === '') throw new BadParameterError(`invalid label selector "${selector}": expected key=value[,key2=value2]`);
    out[key] = part.slice(i + 1).trim();
  }
  return out;
}

/** Nodes carrying every label of `want` (static or command labels), in the given order. */
export function matchNodes(nodes: Node[], want: Record<string, string>): Node[] {
  return nodes.filter((n) => {
    const have = nodeLabels(n);
    return Object.entries(want).every(([k, v]) => have[k] === v);
  });
}

/** Sorted by hostname, then UUID, as `tsh ls` lists them. */
export function sortNodes(nodes: Node[]): Node[] {
  return [...nodes].sort((a, b) => cmp(a.spec.hostname, b.spec.hostname) || cmp(a.metadata.name, b.metadata.name));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `k=v` pairs comma-joined: plain keys first, then namespaced `a/b` keys, then `teleport.dev/` ones, each sorted. */
export function formatLabels(labels: Record<string, string>): string {
  const plain: string[] = [];
  const namespaced: string[] = [];
  const teleport: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    const kv = `${k}=${v}`;
    if (k.startsWith('teleport.dev/')) teleport.push(kv);
    else if (k.includes('/')) namespaced.push(kv);
    else plain.push(kv);
  }
  return [...plain.sort(), ...namespaced.sort(), ...teleport.sort()].join(',');
}

/** Every label sorted as plain `k=v` strings (the verbose listing). */
export function formatLabelsVerbose(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}

/** A node's address column: `⟵ Tunnel` for tunnel nodes, as Teleport shows them. */
export function nodeAddress(node: Node): string {
  return node.spec.use_tunnel ? '⟵ Tunnel' : (node.spec.addr ?? '');
}
