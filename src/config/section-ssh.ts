/** The `ssh_service:` section: the node's listener, labels, PAM, X11 and recording options. */
import type { Node } from 'yaml';
import {
  addr,
  bool,
  duration,
  fields,
  int,
  list,
  oneOrMany,
  str,
  strMap,
  type Fields,
  type Reader,
  type SourceContext,
} from './read.js';
import { BIND_IP, PAM_SERVICE_NAME, PORTS, X11_DISPLAY_OFFSET } from './defaults.js';
import type { CommandLabel, SSHServiceConfig } from './types.js';

const KEYS = [
  'enabled',
  'listen_addr',
  'public_addr',
  'labels',
  'commands',
  'permit_user_env',
  'enhanced_recording',
  'pam',
  'x11',
  'disable_create_host_user',
  'port_forwarding',
  'ssh_file_copy',
] as const;

const commandLabel: Reader<CommandLabel> = (node, path, ctx) => {
  const c: Fields = fields(node, path, ctx, ['name', 'command', 'period']);
  const name = c.get('name', str);
  if (!name) c.fail('name', 'name is required');
  const command = c.get('command', oneOrMany(str));
  if (!command || command.length === 0) c.fail('command', 'command is required, as a list: [/bin/uname, -p]');
  const period = c.get('period', duration);
  if (!period) c.fail('period', 'period is required and must be above zero, as in 1m0s');
  return { name, command, period };
};

/** Read `ssh_service:` (absent: all defaults); `enabled` is undefined when not written. */
export function readSSH(node: Node | null, ctx: SourceContext): { config: SSHServiceConfig; enabled?: boolean } {
  const f = fields(node, 'ssh_service', ctx, KEYS);
  const rec = f.section('enhanced_recording', [
    'enabled',
    'command_buffer_size',
    'disk_buffer_size',
    'network_buffer_size',
    'cgroup_path',
    'root_path',
  ]);
  const settings: Record<string, unknown> = {};
  for (const k of ['command_buffer_size', 'disk_buffer_size', 'network_buffer_size'] as const) {
    const v = rec.get(k, int(1));
    if (v !== undefined) settings[k] = v;
  }
  for (const k of ['cgroup_path', 'root_path'] as const) {
    const v = rec.get(k, str);
    if (v !== undefined) settings[k] = v;
  }
  const pam = f.section('pam', ['enabled', 'service_name', 'use_pam_auth', 'environment']);
  const x11 = f.section('x11', ['enabled', 'display_offset', 'max_display']);
  return {
    enabled: f.get('enabled', bool),
    config: {
      listenAddr: f.get('listen_addr', addr(PORTS.ssh)) ?? { host: BIND_IP, port: PORTS.ssh },
      publicAddrs: f.get('public_addr', oneOrMany(addr(PORTS.ssh))) ?? [],
      labels: f.get('labels', strMap) ?? {},
      commands: f.get('commands', list(commandLabel)) ?? [],
      permitUserEnv: f.get('permit_user_env', bool) ?? false,
      enhancedRecording: { enabled: rec.get('enabled', bool) ?? false, settings },
      pam: {
        enabled: pam.get('enabled', bool) ?? false,
        serviceName: pam.get('service_name', str) || PAM_SERVICE_NAME,
        usePamAuth: pam.get('use_pam_auth', bool) ?? false,
        environment: pam.get('environment', strMap) ?? {},
      },
      x11: {
        enabled: x11.get('enabled', bool) ?? false,
        displayOffset: x11.get('display_offset', int(0, 2147483639)) ?? X11_DISPLAY_OFFSET,
        maxDisplay: x11.get('max_display', int(0, 2147483639)),
      },
      disableCreateHostUser: f.get('disable_create_host_user', bool) ?? false,
      portForwarding: f.get('port_forwarding', bool) ?? true,
      sshFileCopy: f.get('ssh_file_copy', bool) ?? true,
    },
  };
}
