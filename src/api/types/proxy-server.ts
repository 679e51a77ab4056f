/**
 * The proxy presence resource (`kind: proxy`, `version: v2`): what a proxy announces in its
 * heartbeat, and what discovery tells agents. `metadata.name` is the proxy's host UUID.
 */
import { z } from 'zod';
import type { Resource } from './metadata.js';
import { checkHeader, headerShape, parseWith } from './metadata.js';

/** The proxy spec, as Teleport's ServerSpecV2 for proxies. */
export interface ProxyServerSpec {
  /** The proxy's SSH listener `host:port`. */
  addr?: string;
  hostname: string;
  /** Where users reach the web listener. */
  public_addr?: string;
  version?: string;
  [other: string]: unknown;
}

/** A validated proxy heartbeat. */
export type ProxyServer = Resource<'proxy', ProxyServerSpec>;

/** zod schema of a proxy document. */
export const proxyServerSchema = z.strictObject({
  ...headerShape('proxy', ['v2']),
  spec: z.looseObject({
    addr: z.string().optional(),
    hostname: z.string().default(''),
    public_addr: z.string().optional(),
    version: z.string().optional(),
  }),
});

/** Validate a proxy document. Throws BadParameterError naming the field. */
export function validateProxyServer(input: unknown): ProxyServer {
  checkHeader(input, 'proxy', ['v2']);
  return parseWith<ProxyServer>(proxyServerSchema, structuredClone(input), 'proxy');
}
