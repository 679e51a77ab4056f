/** The proxy side of database access: the PostgreSQL front registered for `postgres` in the listener front's registry. */
export { postgresFront } from './postgres-front.js';
export type { PostgresFrontOptions } from './postgres-front.js';
