/**
 * The library behind tctl (and later tsh): finding the auth server and credentials, user keys, and
 * the credential files `auth sign` writes. Talks to servers only through src/api.
 */
export { ADMIN_IDENTITY_FILE, AUTH_ADDR_FILE } from './files.js';
export { clusterOfCA, loadClient } from './load-client.js';
export type { LoadClientOptions, LoadedClient } from './load-client.js';
export { SIGN_FORMATS, credentialPaths, generateUserKey, writeCredentials } from './credentials.js';
export type { SignFormat, UserKey } from './credentials.js';
export { currentProfileName, loadProfile, profileName, removeAllProfiles, saveLogin, tshHome } from './profile.js';
export type { Profile, ProfileCredentials } from './profile.js';
