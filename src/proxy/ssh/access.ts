/** What the proxy's SSH listener reads from the cluster and routes through. */
import type { Duplex } from 'node:stream';
import type { Router } from '../route/index.js';

/** The SSH listener's view of the cluster (wired by the process to the local backend or the auth API). */
export interface ProxySSHAccess {
  clusterName: string;
  /** Plain SSH public key blobs of the user CA(s). */
  userCAKeys(): Promise<Buffer[]>;
  /** host:port of the auth API, for `proxy:@cluster`. */
  authAddr(): string;
  /** Dials the auth API for `proxy:@cluster` instead of `authAddr` (a proxy-only process: the next auth server when one is down). */
  dialAuth?(): Promise<Duplex>;
  /** The proxy's route core: resolves nodes from their heartbeats and dials them. */
  router: Router;
}
