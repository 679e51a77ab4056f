/**
 * The application service (agent side): the agent that serves the proxy's streams to its apps
 * (agent.ts), HTTP forwarding with the identity JWT and rewrites (forward.ts), the session audit
 * (app-audit.ts), and dynamic `app` resources (dynamic.ts).
 */
export { AppAgent } from './agent.js';
export type { AppAccessPoint, AppAgentOptions } from './agent.js';
export { appFromResource, appSelectedBy } from './dynamic.js';
export { rewriteLocation, upstreamHeaders } from './forward.js';
