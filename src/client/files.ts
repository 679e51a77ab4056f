/**
 * Names of the files the auth server leaves in its data_dir for tctl on the same host. Duplicated from
 * src/auth (ADMIN_IDENTITY_FILE, AUTH_ADDR_FILE) on purpose: client code never imports server internals.
 */

/** The local administrator's identity file under data_dir (written by the auth service, mode 0600). */
export const ADMIN_IDENTITY_FILE = 'admin-identity.pem';
/** The file under data_dir holding the bound `host:port` of the auth API. */
export const AUTH_ADDR_FILE = 'auth_addr';
