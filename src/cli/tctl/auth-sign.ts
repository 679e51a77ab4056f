/**
 * `tctl auth sign --user=<u> --out=<path> [--format=file|openssh|tls] [--ttl=12h] [--overwrite]`:
 * a fresh ed25519 key, user certificates for it, written as the format asks; `--format=db
 * --host=<names>`: a database server's key and certificate from the `db` CA (auth-sign-db.ts);
 * `--format=kubernetes --proxy=<addr> [--kube-cluster-name]`: a kubeconfig (auth-sign-kube.ts).
 */
import { BadParameterError, NotImplementedError } from '../../api/errors.js';
import { SIGN_FORMATS, generateUserKey, writeCredentials } from '../../client/index.js';
import type { SignFormat } from '../../client/index.js';
import type { CommandSpec } from '../framework/index.js';
import { dbAuthSignText, signDatabaseServer } from './auth-sign-db.js';
import { signKubeconfig } from './auth-sign-kube.js';
import type { TctlCtx } from './context.js';

/** The auth sign command. */
export const authSignCommand: CommandSpec<TctlCtx> = {
  name: 'auth sign',
  help: 'Create an identity file(s) for a given user.',
  flags: [
    { name: 'user', type: 'string', help: 'Teleport user name' },
    { name: 'host', type: 'string', help: 'Database server host names, comma-separated, with --format=db (host certificates are not supported yet)' },
    { name: 'out', short: 'o', type: 'string', required: true, help: 'Identity output' },
    { name: 'format', type: 'string', default: 'file', enum: [...SIGN_FORMATS, 'db', 'kubernetes'], help: 'Identity format: file, openssh, tls, db or kubernetes' },
    { name: 'proxy', type: 'string', help: 'Address of the Teleport proxy. When --format is set to "kubernetes", this address will be set as cluster address in the generated kubeconfig file' },
    { name: 'kube-cluster-name', type: 'string', help: 'Kubernetes cluster to generate identity file for when --format is set to "kubernetes"' },
    { name: 'ttl', type: 'duration', default: '12h', help: 'TTL (time to live) for the generated certificate' },
    { name: 'overwrite', type: 'bool', help: 'Whether to overwrite existing destination files. When not set, user will be prompted before overwriting any existing file.' },
  ],
  async run(inv, ctx) {
    const f = inv.flags;
    if (f.format === 'db') {
      if (typeof f.user === 'string' && f.user !== '') throw new BadParameterError('--format=db signs a database server certificate: give --host, not --user');
      const ttlMs = f.ttl as number;
      if (!(ttlMs > 0)) throw new BadParameterError('--ttl must be positive');
      const { client } = await ctx.connect();
      const out = f.out as string;
      const files = await signDatabaseServer({ client, hosts: typeof f.host === 'string' ? f.host : '', out, ttlMs, overwrite: f.overwrite === true, cwd: inv.io.cwd });
      inv.io.stdout.write(dbAuthSignText(files, out));
      return;
    }
    if (typeof f.host === 'string' && f.host !== '') throw new NotImplementedError('host certificates (--host) are not supported by tctl auth sign yet');
    const user = f.user as string | undefined;
    if (!user) throw new BadParameterError('need either --user or --host');
    const ttl = f.ttl as number;
    if (!(ttl > 0)) throw new BadParameterError('--ttl must be positive');
    const { client } = await ctx.connect();
    if (f.format === 'kubernetes') {
      const kube = typeof f['kube-cluster-name'] === 'string' && f['kube-cluster-name'] !== '' ? f['kube-cluster-name'] : undefined;
      const proxy = typeof f.proxy === 'string' && f.proxy !== '' ? f.proxy : undefined;
      const path = await signKubeconfig({ client, user, out: f.out as string, proxy, kubeCluster: kube, ttlMs: ttl, overwrite: f.overwrite === true, cwd: inv.io.cwd, insecure: f.insecure === true });
      inv.io.stdout.write(`\nThe credentials have been written to ${path}\n`);
      return;
    }
    const key = generateUserKey();
    const certs = await client.generateUserCerts({ username: user, public_key: key.publicKeyPem, ttl_ms: ttl });
    const written = await writeCredentials({
      out: f.out as string,
      format: f.format as SignFormat,
      key,
      certs,
      overwrite: f.overwrite === true,
      cwd: inv.io.cwd,
    });
    inv.io.stdout.write(`\nThe credentials have been written to ${written.join(', ')}\n`);
  },
};
