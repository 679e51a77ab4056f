/**
 * The library behind tctl and tsh: finding the auth server and credentials, user keys, profiles,
 * identity loading, the proxy connection, forwards, SFTP copies and `tsh config`. Talks to servers
 * only through src/api (and SSH through src/sshutils).
 */
export { ADMIN_IDENTITY_FILE, AUTH_ADDR_FILE } from './files.js';
export { clusterOfCA, loadClient } from './load-client.js';
export type { LoadClientOptions, LoadedClient } from './load-client.js';
export { SIGN_FORMATS, credentialPaths, generateUserKey, writeCredentials } from './credentials.js';
export type { SignFormat, UserKey } from './credentials.js';
export { currentProfileName, loadProfile, loadProfileKeys, profileName, profilePaths, removeAllProfiles, saveLogin, tshHome } from './profile.js';
export type { Profile, ProfileCredentials, ProfileKeys, ProfilePaths } from './profile.js';
export { DEFAULT_SSH_PROXY_PORT, hostOf, loadClientIdentity, webProxyAddr } from './client-identity.js';
export type { ClientIdentity, LoadIdentityOptions } from './client-identity.js';
export { hostCAsForCluster, hostVerifier, parseHostCAs } from './known-hosts.js';
export type { HostCAEntry, HostCheck } from './known-hosts.js';
export { ProxyClient, formatHostPort } from './proxy-client.js';
export type { NodeTarget, ProxyClientOptions } from './proxy-client.js';
export { formatLabels, formatLabelsVerbose, isLabelSelector, matchNodes, nodeAddress, parseLabelSelector, sortNodes } from './node-list.js';
export { labeledLineWriter, MAX_LABELED_LINE } from './line-writer.js';
export type { LineWriter } from './line-writer.js';
export { parseDynamicForwardSpec, parseForwardSpec } from './forward-spec.js';
export type { DynamicForwardSpec, ForwardSpec } from './forward-spec.js';
export { serveSocks5 } from './socks5.js';
export { relayStreams } from './relay-streams.js';
export { connectLocal, startDynamicForward, startLocalForward } from './port-forward.js';
export type { Dialer, LocalListener } from './port-forward.js';
export { parseScpTarget } from './scp-target.js';
export type { ScpTarget } from './scp-target.js';
export { copyFiles, localSide, remoteSide } from './file-transfer.js';
export type { CopyOptions, FileInfo, FileSide, ProgressFn } from './file-transfer.js';
export { HOST_KEY_ALGORITHMS, renderSSHConfig } from './ssh-config.js';
export type { SSHConfigParams } from './ssh-config.js';
export { listDatabaseLogins, myCnfFile, myCnfGroup, mysqlOptions, pgServiceFile, removeDatabaseLogin, saveDatabaseLogin, updatePgService } from './db-profile.js';
export type { DatabaseLogin } from './db-profile.js';
export { appDir, appFiles, listAppLogins, removeAppLogin, saveAppLogin } from './app-profile.js';
export type { AppLogin } from './app-profile.js';
export { dialProxyTLS } from './proxy-tls.js';
export type { ProxyTLSDial } from './proxy-tls.js';
export { ALPN_TCP_APP, dialApp } from './app-proxy.js';
export type { AppDialOptions } from './app-proxy.js';
