/**
 * A Kubernetes cluster row's Connect button and dialog: the commands that reach the cluster, as
 * Teleport's UI gives them (log in through this proxy, select the cluster with `tsh kube login`,
 * then kubectl). The browser does not talk to Kubernetes itself; the commands run where kubectl is.
 */
import type { WebKubeCluster } from '@api/web-resources-wire';
import { ConnectDialog, type ConnectStep } from './ConnectDialog';

/** The commands, in order, as Teleport's Kubernetes connect dialog gives them. */
export function kubeConnectCommands(k: WebKubeCluster, proxy: string, user: string): ConnectStep[] {
  return [
    { title: 'Log in to Teleport', command: `tsh login --proxy=${proxy} --user=${user}` },
    { title: 'Select the Kubernetes cluster', command: `tsh kube login ${k.name}` },
    { title: 'Connect to the Kubernetes cluster', command: 'kubectl get pods' },
  ];
}

export function KubeConnect({ kube }: { kube: WebKubeCluster }) {
  return (
    <ConnectDialog name={kube.name} steps={(proxy, user) => kubeConnectCommands(kube, proxy, user)}>
      <code>tsh kube login</code> adds the cluster to your kubeconfig (<code>$KUBECONFIG</code> or <code>~/.kube/config</code>) as the current context; <code>tsh kube ls</code> lists the clusters your roles allow.
    </ConnectDialog>
  );
}
