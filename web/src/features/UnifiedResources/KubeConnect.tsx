/**
 * A Kubernetes cluster row's Connect button and dialog: the commands that reach the cluster, as
 * Teleport's UI gives them (log in through this proxy, select the cluster with `tsh kube login`,
 * then kubectl). The browser does not talk to Kubernetes itself; the commands run where kubectl is.
 */
import type { WebKubeCluster } from '@api/web-resources-wire';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useSession } from '../../components/session-context';
import { Button, CopyBlock } from '../../components/ui';

/** The commands, in order, as Teleport's Kubernetes connect dialog gives them. */
export function kubeConnectCommands(k: WebKubeCluster, proxy: string, user: string): { title: string; command: string }[] {
  return [
    { title: 'Log in to Teleport', command: `tsh login --proxy=${proxy} --user=${user}` },
    { title: 'Select the Kubernetes cluster', command: `tsh kube login ${k.name}` },
    { title: 'Connect to the Kubernetes cluster', command: 'kubectl get pods' },
  ];
}

export function KubeConnect({ kube }: { kube: WebKubeCluster }) {
  const { user } = useSession();
  const [open, setOpen] = useState(false);
  // The port always, as Teleport's dialog does: tsh would otherwise assume 3080.
  const steps = kubeConnectCommands(kube, `${window.location.hostname}:${window.location.port || '443'}`, user.userName);
  return (
    <>
      <Button variant="secondary" className="btn-sm" onClick={() => setOpen(true)} aria-label={`Connect to ${kube.name}`}>
        Connect
      </Button>
      <Dialog
        open={open}
        wide
        title={`Connect to ${kube.name}`}
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
        {/* The dialog opens from a table cell, whose nowrap it would inherit. */}
        <p style={{ whiteSpace: 'normal' }}>
          <code>tsh kube login</code> adds the cluster to your kubeconfig (<code>$KUBECONFIG</code> or <code>~/.kube/config</code>) as the current context; <code>tsh kube ls</code> lists the clusters your roles allow.
        </p>
      </Dialog>
    </>
  );
}
