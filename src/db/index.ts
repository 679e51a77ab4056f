/**
 * The database service (agent side): the agent that serves the proxy's streams to its databases
 * (agent.ts), the engine interface every protocol implements (engine.ts), and the PostgreSQL
 * engine with its wire codec, which the proxy's PostgreSQL front shares.
 */
export { DatabaseAgent, readHello } from './agent.js';
export type { DatabaseAccessPoint, DatabaseAgentOptions } from './agent.js';
export type { DatabaseSession, Engine, SessionAudit } from './engine.js';
export { PostgresEngine } from './postgres/engine.js';
export { MysqlEngine, mysqlErrorPacket, readPacket as readMysqlPacket } from './mysql/engine.js';
export * as mysqlwire from './mysql/wire.js';
export * as pgwire from './postgres/wire.js';
export { readExact } from './read-exact.js';
export { ORIGIN_LABEL, databaseFromResource, selectedBy } from './dynamic.js';

import { PostgresEngine } from './postgres/engine.js';
import { MysqlEngine } from './mysql/engine.js';
import type { Engine } from './engine.js';

/** The engines of this release, one per protocol. */
export function defaultEngines(): Engine[] {
  return [new PostgresEngine(), new MysqlEngine()];
}
