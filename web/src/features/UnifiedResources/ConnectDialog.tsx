/**
 * The Connect button and dialog every resource row without a browser session uses (databases,
 * Kubernetes clusters, TCP apps): numbered commands to copy, as Teleport's connect dialogs give
 * them, then a note of the resource's own.
 */
import { useState, type ReactNode } from 'react';
import { Dialog } from '../../components/Dialog';
import { useSession } from '../../components/session-context';
import { Button, CopyBlock } from '../../components/ui';

/** One numbered step. */
export interface ConnectStep {
  title: string;
  command: string;
}

/** The proxy address the commands name: with the port always, as Teleport's dialogs do (tsh would otherwise assume 3080). */
function proxyAddress(): string {
  return `${window.location.hostname}:${window.location.port || '443'}`;
}

export function ConnectDialog({ name, steps, children }: { name: string; steps: (proxy: string, user: string) => ConnectStep[]; children?: ReactNode }) {
  const { user } = useSession();
  const [open, setOpen] = useState(false);
  const list = steps(proxyAddress(), user.userName);
  return (
    <>
      <Button variant="secondary" className="btn-sm" onClick={() => setOpen(true)} aria-label={`Connect to ${name}`}>
        Connect
      </Button>
      <Dialog
        open={open}
        wide
        title={`Connect to ${name}`}
        onClose={() => setOpen(false)}
        footer={
          <Button variant="secondary" onClick={() => setOpen(false)}>
            Close
          </Button>
        }
      >
        <ol className="connect-steps">
          {list.map((s) => (
            <li key={s.title}>
              <p>{s.title}</p>
              <CopyBlock text={s.command} label={s.title} />
            </li>
          ))}
        </ol>
        {/* The dialog opens from a table cell, whose nowrap it would inherit. */}
        <p style={{ whiteSpace: 'normal' }}>{children}</p>
      </Dialog>
    </>
  );
}
