/** Structured logging. */
export { createLogger, silentLogger } from './logger.js';
export type { Logger, LogOptions } from './logger.js';
