/**
 * `tctl auth sign --format=db --host=<names> --out=<prefix> [--ttl=2190h]`: a server key and
 * certificate from the cluster's `db` CA for a self-hosted PostgreSQL or MySQL, written as
 * Teleport writes them (`<out>.key`, `<out>.crt`, `<out>.cas`) with the configuration to add.
 */
import { generateKeyPairSync } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AlreadyExistsError, BadParameterError } from '../../api/errors.js';
import type { AuthClient } from '../../api/client/index.js';

/** Teleport's text after writing database credentials (tctl's dbAuthSignTpl). */
export function dbAuthSignText(files: string[], out: string): string {
  return `Database credentials have been written to ${files.join(', ')}.

To enable mutual TLS on your PostgreSQL server, add the following to its postgresql.conf configuration file:

ssl = on
ssl_cert_file = '/path/to/${out}.crt'
ssl_key_file = '/path/to/${out}.key'
ssl_ca_file = '/path/to/${out}.cas'

To enable mutual TLS on your MySQL server, add the following to its mysql.cnf configuration file:

[mysqld]
require_secure_transport=ON
ssl-cert=/path/to/${out}.crt
ssl-key=/path/to/${out}.key
ssl-ca=/path/to/${out}.cas
`;
}

/** What `signDatabaseServer` needs. */
export interface SignDatabaseOptions {
  client: Pick<AuthClient, 'generateDatabaseCert'>;
  /** `--host`: comma-separated names; the first is the CN, all are SANs. */
  hosts: string;
  out: string;
  ttlMs: number;
  overwrite: boolean;
  cwd: string;
}

/**
 * Issues and writes the three files; resolves with the names written (as given, relative to
 * `cwd`). Throws BadParameterError for no host, AlreadyExistsError for an existing file without
 * `overwrite` (nothing is then written).
 */
export async function signDatabaseServer(o: SignDatabaseOptions): Promise<string[]> {
  const names = o.hosts.split(',').map((h) => h.trim()).filter((h) => h !== '');
  if (names.length === 0) throw new BadParameterError('--format=db needs --host: the database server\'s host names, comma-separated (the first is the certificate\'s CN)');
  // RSA, as Teleport's database keys: MySQL's and older PostgreSQL's TLS stacks read it everywhere.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const res = await o.client.generateDatabaseCert({
    public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    common_name: names[0],
    server_names: names,
    ttl_ms: o.ttlMs,
  });
  const files: [string, string][] = [
    [`${o.out}.key`, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()],
    [`${o.out}.crt`, res.cert],
    [`${o.out}.cas`, res.ca_certs.join('')],
  ];
  const flags = o.overwrite ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
  if (!o.overwrite) {
    for (const [name] of files) {
      const exists = await open(resolve(o.cwd, name), 'r').then(
        async (h) => (await h.close(), true),
        () => false,
      );
      if (exists) throw new AlreadyExistsError(`${name} exists; pass --overwrite to replace it`);
    }
  }
  for (const [name, text] of files) {
    // PostgreSQL refuses a key file others can read.
    const h = await open(resolve(o.cwd, name), flags, 0o600);
    try {
      await h.writeFile(text);
    } finally {
      await h.close();
    }
  }
  return files.map(([name]) => name);
}
