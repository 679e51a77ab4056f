/** The proxy side of database access: the PostgreSQL and MySQL fronts registered for `postgres` and `mysql` in the listener front's registry. */
export { postgresFront } from './postgres-front.js';
export type { PostgresFrontOptions } from './postgres-front.js';
export { mysqlFront } from './mysql-front.js';
export type { MysqlFrontOptions } from './mysql-front.js';
