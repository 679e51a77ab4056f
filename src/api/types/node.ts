/**
 * The SSH node resource (`kind: node`, `version: v2`): what a node announces in its heartbeat.
 * `metadata.name` is the host UUID; `cmd_labels` are dynamic labels with their latest result.
 */
import { z } from 'zod';
import type { Resource } from './metadata.js';
import { boolSchema, checkHeader, durationSchema, headerShape, parseWith } from './metadata.js';
import type { Rotation } from './cert-authority.js';

/** A dynamic (command) label: the command, how often it runs, and its latest output. */
export interface CommandLabel {
  command: string[];
  period: string;
  result?: string;
}

/** The node spec. */
export interface NodeSpec {
  addr?: string;
  hostname: string;
  use_tunnel?: boolean;
  cmd_labels?: Record<string, CommandLabel>;
  rotation?: Rotation;
  version?: string;
  public_addrs?: string[];
  [other: string]: unknown;
}

/** A validated node. */
export type Node = Resource<'node', NodeSpec>;

/** zod schema of a node document. */
export const nodeSchema = z.strictObject({
  ...headerShape('node', ['v2']),
  spec: z.looseObject({
    addr: z.string().optional(),
    hostname: z.string().default(''),
    use_tunnel: boolSchema.optional(),
    cmd_labels: z
      .record(
        z.string(),
        z.strictObject({ command: z.array(z.string()).min(1), period: durationSchema, result: z.string().optional() }),
      )
      .optional(),
    rotation: z.looseObject({}).optional(),
    version: z.string().optional(),
    public_addrs: z.array(z.string()).optional(),
    public_addr: z.string().optional(),
  }),
});

/** Validate a node document. Throws BadParameterError naming the field. */
export function validateNode(input: unknown): Node {
  checkHeader(input, 'node', ['v2']);
  return parseWith<Node>(nodeSchema, structuredClone(input), 'node');
}
