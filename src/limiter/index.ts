/**
 * Connection and rate limits of the SSH and web listeners (`teleport.connection_limits`).
 */
export { ConnectionLimiter } from './limiter.js';
export type { ConnectionLimiterOptions, ConnectionLimits, Release } from './limiter.js';
export type { Rate } from './rate.js';
export { admitRequest, admitUpgrade } from './http.js';
