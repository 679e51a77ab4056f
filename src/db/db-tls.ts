/**
 * How the database service's TLS to a database is set up per `tls.mode` (Teleport's
 * verify-full, verify-ca, insecure): the `db` CA client certificate whose CN is the database
 * user, and trust in `tls.ca_cert_file` (else the cluster's `db` CA, which signed the server
 * certificate `tctl auth sign --format=db` made).
 */
import type { KeyObject } from 'node:crypto';
import { readFile as fsReadFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { BadParameterError } from '../api/errors.js';
import type { DatabaseConfig } from '../config/index.js';

/** Options of databaseTLSOptions. */
export interface DatabaseTLSInput {
  database: DatabaseConfig;
  key: KeyObject;
  cert: string;
  dbCAs: string[];
  readFile?: (path: string) => Promise<string>;
}

/** TLS client options for `tls.connect`. Throws BadParameterError when ca_cert_file cannot be read. */
export async function databaseTLSOptions(i: DatabaseTLSInput): Promise<ConnectionOptions> {
  const { tls, uri } = i.database;
  let ca = i.dbCAs;
  if (tls.caCertPem) ca = [tls.caCertPem];
  else if (tls.caCertFile) {
    try {
      ca = [await (i.readFile ?? ((p: string) => fsReadFile(p, 'utf8')))(tls.caCertFile)];
    } catch (err) {
      throw new BadParameterError(`database "${i.database.name}": cannot read tls.ca_cert_file ${tls.caCertFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  const name = tls.serverName ?? uri.host;
  const base: ConnectionOptions = {
    key: i.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: i.cert,
    ca,
    ...(!isIP(name) && { servername: name }),
  };
  switch (tls.mode) {
    case 'insecure':
      return { ...base, rejectUnauthorized: false };
    case 'verify-ca':
      return { ...base, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    default:
      return { ...base, rejectUnauthorized: true, checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert) };
  }
}
