/** Servers (`/web/cluster/:site/nodes`): the resources page for nodes only; Connect opens a terminal tab. */
import { UnifiedResources } from '../UnifiedResources/UnifiedResources';

const NODE_ONLY = ['node' as const];

export function Nodes() {
  return <UnifiedResources title="Servers" subtitle="Servers your roles let you reach. Sessions are recorded and audited." kinds={NODE_ONLY} />;
}
