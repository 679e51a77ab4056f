/**
 * The table of services a process can run, one factory per config section, and the order they
 * start in. A section enabled in the config without a factory here is refused at start with its
 * name (the database, Kubernetes, application, desktop and discovery services land as factories).
 */
import { NotImplementedError } from '../api/errors.js';
import type { EnabledServices, TeleportConfig } from '../config/index.js';
import { appServiceFactory } from './app-service.js';
import { authServiceFactory } from './auth-service.js';
import { dbServiceFactory } from './db-service.js';
import { kubeServiceFactory } from './kube-service.js';
import { proxyServiceFactory } from './proxy-service.js';
import type { ServiceFactory, ServiceName } from './service.js';
import { sshServiceFactory } from './ssh-service.js';

/** Every service this release runs. */
export const SERVICE_TABLE: readonly ServiceFactory[] = [authServiceFactory, proxyServiceFactory, sshServiceFactory, dbServiceFactory, kubeServiceFactory, appServiceFactory];

/** How teleport.yaml names each section, for the refusal of one without a factory. */
const SECTIONS: Record<keyof EnabledServices, string> = {
  auth: 'auth_service',
  proxy: 'proxy_service',
  ssh: 'ssh_service',
  db: 'db_service',
  kube: 'kubernetes_service',
  app: 'app_service',
  windowsDesktop: 'windows_desktop_service',
  discovery: 'discovery_service',
};

/**
 * The factories of the services `config` enables, each after those it names in `after` (when
 * enabled too). Throws NotImplementedError naming every enabled section without a factory.
 */
export function plan(config: TeleportConfig, table: readonly ServiceFactory[] = SERVICE_TABLE): ServiceFactory[] {
  const enabled = (Object.keys(SECTIONS) as ServiceName[]).filter((s) => config.services[s]);
  const missing = enabled.filter((s) => !table.some((f) => f.name === s));
  if (missing.length > 0) {
    throw new NotImplementedError(`${missing.map((s) => SECTIONS[s]).join(', ')}: not available in this release yet; disable it (enabled: no) to start`);
  }
  const chosen = table.filter((f) => config.services[f.name]);
  const out: ServiceFactory[] = [];
  const visiting = new Set<ServiceName>();
  const visit = (f: ServiceFactory): void => {
    if (out.includes(f)) return;
    // A table bug, not a user mistake.
    if (visiting.has(f.name)) throw new Error(`the service table has a dependency cycle through ${f.section}`);
    visiting.add(f.name);
    for (const dep of f.after) {
      const d = chosen.find((c) => c.name === dep);
      if (d) visit(d);
    }
    out.push(f);
  };
  for (const f of chosen) visit(f);
  return out;
}
