/**
 * A database row's Connect button and dialog: the tsh commands that reach the database, as
 * Teleport's UI gives them (log in through this proxy, then `tsh db connect`). The browser does
 * not connect to databases itself; the commands run where the user's database client is.
 */
import type { WebDatabase } from '@api/web-resources-wire';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useSession } from '../../components/session-context';
import { Button, CopyBlock } from '../../components/ui';

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
export function connectCommands(d: WebDatabase, proxy: string, user: string): { title: string; command: string }[] {
  const connect = ['tsh db connect', d.name, '--db-user=<user>', d.protocol === 'mysql' ? '[--db-name=<name>]' : '--db-name=<name>'].join(' ');
  return [
    { title: 'Log in to Teleport', command: `tsh login --proxy=${proxy} --user=${user}` },
    { title: 'Connect to the database', command: connect },
  ];
}

export function DbConnect({ db }: { db: WebDatabase }) {
  const { user } = useSession();
  const [open, setOpen] = useState(false);
  // The port always, as Teleport's dialog does: tsh would otherwise assume 3080.
  const steps = connectCommands(db, `${window.location.hostname}:${window.location.port || '443'}`, user.userName);
  return (
    <>
      <Button variant="secondary" className="btn-sm" onClick={() => setOpen(true)} aria-label={`Connect to ${db.name}`}>
        Connect
      </Button>
      <Dialog
        open={open}
        wide
        title={`Connect to ${db.name}`}
        onClose={() => setOpen(false)}
        footer={
          <Button variant="secondary" onClick={() => setOpen(false)}>
            Close
          </Button>
        }
      >
        <ol className="connect-steps">
          {steps.map((s) => (
            <li key={s.title}>
              <p>{s.title}</p>
              <CopyBlock text={s.command} label={s.title} />
            </li>
          ))}
        </ol>
        <p>
          Replace <code>&lt;user&gt;</code> with a database user and <code>&lt;name&gt;</code> with a database your roles allow{db.protocol === 'mysql' ? ' (or leave --db-name out)' : ''}; <code>tsh db ls</code> lists them.
        </p>
      </Dialog>
    </>
  );
}
