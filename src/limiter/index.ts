/**
 * Connection and rate limits of the SSH and web listeners (`teleport.connection_limits`), and the
 * fixed rate of unauthenticated endpoints.
 */
export { ConnectionLimiter } from './limiter.js';
export type { ConnectionLimiterOptions, ConnectionLimits, Release } from './limiter.js';
export type { Rate } from './rate.js';
export { admitRequest, admitUpgrade } from './http.js';
export { UNAUTHENTICATED_RATE, UnauthenticatedLimiter } from './unauthenticated.js';
