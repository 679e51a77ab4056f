/** The DynamoDB client settings both DynamoDB stores take from teleport.yaml or an audit URI. */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/** Where and as whom to reach DynamoDB; absent fields fall back to the SDK's defaults (environment, profile). */
export interface ClientSettings {
  region?: string;
  /** Endpoint override (dynalite, DynamoDB Local, a VPC endpoint). */
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  useFipsEndpoint?: boolean;
}

/** The SDK client config for `o`: three attempts per request, static credentials only when given. */
export function clientConfig(o: ClientSettings): DynamoDBClientConfig {
  const config: DynamoDBClientConfig = { maxAttempts: 3 };
  if (o.region) config.region = o.region;
  if (o.endpoint) config.endpoint = o.endpoint;
  if (o.useFipsEndpoint !== undefined) config.useFipsEndpoint = o.useFipsEndpoint;
  if (o.accessKey || o.secretKey) config.credentials = { accessKeyId: o.accessKey ?? '', secretAccessKey: o.secretKey ?? '' };
  return config;
}
