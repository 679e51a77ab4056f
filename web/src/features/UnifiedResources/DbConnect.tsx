/**
 * A database row's Connect button and dialog: the tsh commands that reach the database, as
 * Teleport's UI gives them (log in through this proxy, then `tsh db connect`). The browser does
 * not connect to databases itself; the commands run where the user's database client is.
 */
import type { WebDatabase } from '@api/web-resources-wire';
import { ConnectDialog, type ConnectStep } from './ConnectDialog';

const PROTOCOLS: Record<string, string> = { postgres: 'PostgreSQL', mysql: 'MySQL' };

/** "PostgreSQL", or the protocol as the agent named it. */
export function protocolName(protocol: string): string {
  return PROTOCOLS[protocol] ?? protocol;
}

/** "Self-hosted PostgreSQL", as Teleport's UI names a database's type. */
export function databaseType(d: WebDatabase): string {
  const where = d.type === 'self-hosted' ? 'Self-hosted' : d.type;
  return `${where} ${protocolName(d.protocol)}`;
}

/**
 * The commands, in order, as Teleport's dialog gives them: `--db-name` is required for PostgreSQL
 * and optional (in brackets) for MySQL, which picks its default database itself.
 */
export function connectCommands(d: WebDatabase, proxy: string, user: string): ConnectStep[] {
  const connect = ['tsh db connect', d.name, '--db-user=<user>', d.protocol === 'mysql' ? '[--db-name=<name>]' : '--db-name=<name>'].join(' ');
  return [
    { title: 'Log in to Teleport', command: `tsh login --proxy=${proxy} --user=${user}` },
    { title: 'Connect to the database', command: connect },
  ];
}

export function DbConnect({ db }: { db: WebDatabase }) {
  return (
    <ConnectDialog name={db.name} steps={(proxy, user) => connectCommands(db, proxy, user)}>
      Replace <code>&lt;user&gt;</code> with a database user and <code>&lt;name&gt;</code> with a database your roles allow{db.protocol === 'mysql' ? ' (or leave --db-name out)' : ''}; <code>tsh db ls</code> lists them.
    </ConnectDialog>
  );
}
