/**
 * RDS/Aurora IAM authentication (a database with `aws: {region}`): instead of a client
 * certificate the database service logs in with an IAM auth token, which `@aws-sdk/rds-signer`
 * presigns from the host's AWS credentials (the SDK's default chain: environment, profile,
 * instance role) for the database's host, port, region and user, and sends it as the password over
 * TLS, as Teleport does. Tokens live 15 minutes; one is made per connection.
 */
import { ConnectionProblemError } from '../api/errors.js';
import type { DatabaseConfig } from '../config/index.js';

/** The IAM auth token for `dbUser` on `database` (which has `aws.region`). */
export async function rdsAuthToken(database: DatabaseConfig, dbUser: string): Promise<string> {
  const { Signer } = await import('@aws-sdk/rds-signer');
  const signer = new Signer({ hostname: database.uri.host, port: database.uri.port, region: database.aws!.region, username: dbUser });
  try {
    return await signer.getAuthToken();
  } catch (err) {
    throw new ConnectionProblemError(`database "${database.name}": cannot make an RDS IAM auth token for "${dbUser}" (the database service needs AWS credentials with rds-db:connect): ${(err as Error).message}`, { cause: err });
  }
}
