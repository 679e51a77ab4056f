/**
 * An application registered dynamically (`kind: app`, `version: v3`, Teleport's types.AppV3):
 * created with `tctl create`, stored by auth, and served by the application agents whose
 * `app_service.resources` selectors match its labels. The spec keys this release acts on; Teleport's
 * cloud and dynamic-label keys are refused by name rather than stored and ignored.
 */
import { z } from 'zod';
import { BadParameterError } from '../errors.js';
import type { Resource } from './metadata.js';
import { boolSchema, checkHeader, headerShape, parseWith } from './metadata.js';

/** The spec of an `app` resource. */
export interface AppSpec {
  /** `http://`, `https://` or `tcp://host:port`. */
  uri: string;
  public_addr?: string;
  insecure_skip_verify?: boolean;
  rewrite?: { redirect?: string[]; headers?: { name: string; value: string }[] };
}

/** A validated `app` resource. */
export type App = Resource<'app', AppSpec>;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LATER_SPEC_KEYS = ['dynamic_labels', 'aws', 'cloud', 'cors', 'required_app_names', 'user_groups', 'integration', 'tcp_ports', 'identity_center', 'mcp'];
const RESERVED_HEADER = /^(teleport-jwt-assertion|x-teleport-.*|x-forwarded-.*|host|content-length|connection|transfer-encoding|upgrade|te|trailer|keep-alive)$/i;

const appSchema = z.strictObject({
  ...headerShape('app', ['v3']),
  spec: z.strictObject({
    uri: z.string({ error: 'uri is required: http://host:port, https://host:port or tcp://host:port' }).min(1, 'uri is required'),
    public_addr: z.string().optional(),
    insecure_skip_verify: boolSchema.optional(),
    rewrite: z
      .strictObject({
        redirect: z.array(z.string()).optional(),
        headers: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).optional(),
      })
      .optional(),
  }),
});

/** Validate an `app` document; throws BadParameterError naming the field. */
export function validateApp(input: unknown): App {
  const obj = checkHeader(input, 'app', ['v3']);
  const spec = obj.spec;
  if (typeof spec === 'object' && spec !== null) {
    for (const key of LATER_SPEC_KEYS) {
      if (key in spec) throw new BadParameterError(`spec.${key}: ${key} is not supported by this release yet; remove it`);
    }
  }
  const app = parseWith<App>(appSchema, structuredClone(input), 'app');
  const name = app.metadata.name;
  if (!NAME.test(name) || name.length > 63) throw new BadParameterError(`metadata.name: invalid app name "${name}": lower-case letters, digits and dashes (it becomes a DNS label)`);
  let u: URL;
  try {
    u = new URL(app.spec.uri);
  } catch {
    throw new BadParameterError(`spec.uri: "${app.spec.uri}" is not a URL (http://, https:// or tcp://)`);
  }
  if (!['http:', 'https:', 'tcp:'].includes(u.protocol) || !u.hostname) throw new BadParameterError(`spec.uri: "${app.spec.uri}" must be http://, https:// or tcp:// with a host`);
  if (u.protocol === 'tcp:' && !u.port) throw new BadParameterError(`spec.uri: tcp uri "${app.spec.uri}" needs a port`);
  const pub = app.spec.public_addr;
  if (pub !== undefined && (pub.includes('://') || /[\s/]/.test(pub))) throw new BadParameterError(`spec.public_addr: "${pub}" must be a host name without a scheme or path`);
  for (const h of app.spec.rewrite?.headers ?? []) {
    if (RESERVED_HEADER.test(h.name)) throw new BadParameterError(`spec.rewrite.headers: header "${h.name}" is set by Teleport and cannot be rewritten`);
  }
  return app;
}
