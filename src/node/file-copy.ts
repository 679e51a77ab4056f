/**
 * File copying on the node: legacy scp (an `scp -t`/`scp -f` exec) and the sftp subsystem (the
 * machine's OpenSSH `sftp-server`). Both are refused when the node's `ssh_file_copy` is off or a
 * role sets `ssh_file_copy: false`, with Teleport's messages.
 */
import { existsSync } from 'node:fs';
import type { NodeIdentity } from './authorize.js';

/** Where distributions put OpenSSH's sftp-server. */
export const SFTP_SERVER_PATHS = [
  '/usr/lib/openssh/sftp-server',
  '/usr/libexec/openssh/sftp-server',
  '/usr/lib/sftp-server',
  '/usr/libexec/sftp-server',
  '/usr/lib/ssh/sftp-server',
];

/** The sftp-server binary on this machine, or undefined. */
export function findSftpServer(paths: readonly string[] = SFTP_SERVER_PATHS): string | undefined {
  return paths.find((p) => existsSync(p));
}

/** The message sent when sftp-server is missing. */
export const SFTP_MISSING_MESSAGE = 'sftp is not available on this node: no sftp-server binary was found (install openssh-sftp-server)';

/** Why file copying is refused for this identity, or undefined when it is allowed. */
export function fileCopyRefusal(id: NodeIdentity, nodeAllows: boolean): string | undefined {
  if (!nodeAllows) return 'node does not allow file copying via SCP or SFTP';
  if (!id.roles.canCopyFiles()) return 'file copying via SCP or SFTP is not permitted';
  return undefined;
}

/** True for an exec that runs scp (the remote end of a legacy `scp -t`/`scp -f` transfer). */
export function isScpCommand(command: string): boolean {
  const prog = command.trim().split(/\s+/)[0] ?? '';
  return prog === 'scp' || prog.endsWith('/scp');
}

/**
 * The transfer a remote `scp` command performs: `-t` (to: the client uploads) or `-f` (from: the
 * client downloads), and the path it names. Undefined when the command is not scp.
 */
export function scpTransfer(command: string): { action: 'upload' | 'download'; path: string } | undefined {
  if (!isScpCommand(command)) return undefined;
  const words = command.trim().split(/\s+/);
  let action: 'upload' | 'download' | undefined;
  const rest: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '--') {
      rest.push(...words.slice(i + 1));
      break;
    }
    if (/^-[A-Za-z]+$/.test(w)) {
      if (w.includes('t')) action = 'upload';
      if (w.includes('f')) action = 'download';
      continue;
    }
    rest.push(w);
  }
  return action ? { action, path: rest.join(' ') } : undefined;
}
