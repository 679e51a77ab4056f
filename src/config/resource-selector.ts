/**
 * The `resources` entries of db_service and app_service: which resources created with `tctl
 * create` the agent serves, by labels (a value or a list of them, globs; `"*": "*"` for all), as
 * role label selectors.
 */
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import { describe as describeNode, fields, oneOrMany, str, type Fields, type Reader } from './read.js';

const selectorMap: Reader<Record<string, string[]>> = (node, path, ctx) => {
  if (!isMap(node)) return ctx.fail(node, path, `expected a mapping of label keys to values, got ${describeNode(node)}`);
  const out: Record<string, string[]> = {};
  for (const pair of node.items as Pair<Node, Node | null>[]) {
    const k = str(pair.key, path, ctx);
    const v = pair.value;
    if (v === null || (isScalar(v) && (v.value === null || v.value === ''))) return ctx.fail(pair.key, `${path}.${k}`, `label "${k}" has no value ("*" matches any)`);
    out[k] = oneOrMany(str)(v, `${path}.${k}`, ctx);
  }
  return out;
};

/** A reader of one `resources` entry; `kind` names the resources in the message for a missing `labels` (`db`, `app`). */
export function resourceSelector(kind: string): Reader<{ labels: Record<string, string[]> }> {
  return (node, path, ctx) => {
    const f: Fields = fields(node, path, ctx, ['labels']);
    const labels = f.get('labels', selectorMap);
    if (!labels || Object.keys(labels).length === 0) f.fail('labels', `labels is required: the labels of the ${kind} resources to serve ({"*": "*"} for all)`);
    return { labels };
  };
}
