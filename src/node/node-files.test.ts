// File copying through the node with the machine's OpenSSH tools: sftp put/get, scp in SFTP
// mode and legacy (-O) mode both ways, files owned by the login; refused when the node's
// ssh_file_copy is off or a role sets ssh_file_copy: false.
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRole } from '../api/types/index.js';
import { SFTP_SERVER_PATHS, findSftpServer } from './file-copy.js';
import { TEST_LOGIN, ensureTestUser, lookupUid, runSSH, runTool, startTestNode, type TestNode } from './testing/fixtures.js';

const skip = ensureTestUser() ?? (findSftpServer() ? undefined : 'sftp-server is not installed (apt-get install openssh-sftp-server)');
const HOST = `${TEST_LOGIN}@127.0.0.1`;
const REMOTE_DIR = `/home/${TEST_LOGIN}`;

describe.skipIf(skip !== undefined)('file copying through the node', () => {
  let t: TestNode;
  let id: string;
  let payload: Buffer;
  let local: string;

  beforeAll(async () => {
    t = await startTestNode();
    t.access.addRole(newRole('no-copy', { options: { ssh_file_copy: false }, allow: { logins: [TEST_LOGIN], node_labels: { '*': '*' } } }));
    id = await t.identity();
    payload = randomBytes(300_000);
    local = join(t.dir, 'payload.bin');
    await writeFile(local, payload);
  });
  afterAll(async () => {
    await runSSH([...t.args(id), `rm -f ${REMOTE_DIR}/nf-*`]);
    await t?.cleanup();
  });

  it('serves sftp put and get as the login user', async () => {
    const back = join(t.dir, 'sftp-back.bin');
    const batch = join(t.dir, 'batch');
    await writeFile(batch, `put ${local} nf-sftp.bin\nget nf-sftp.bin ${back}\n`);
    const r = await runTool('sftp', [...t.copyArgs(id), '-b', batch, HOST]);
    expect(r.stderr).not.toMatch(/denied|not permitted|failed/i);
    expect(r.code).toBe(0);
    expect((await readFile(back)).equals(payload)).toBe(true);
    const st = await stat(`${REMOTE_DIR}/nf-sftp.bin`);
    expect(st.uid).toBe(lookupUid(TEST_LOGIN));
  });

  it.each([
    ['SFTP mode', []],
    ['legacy mode', ['-O']],
  ])('copies with scp in %s both ways', async (_mode, flags) => {
    const name = `nf-scp${flags.join('')}.bin`;
    const up = await runTool('scp', [...flags, ...t.copyArgs(id), local, `${HOST}:${name}`]);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const back = join(t.dir, `back-${name}`);
    const down = await runTool('scp', [...flags, ...t.copyArgs(id), `${HOST}:${name}`, back]);
    expect(down.code).toBe(0);
    expect((await readFile(back)).equals(payload)).toBe(true);
    expect((await stat(`${REMOTE_DIR}/${name}`)).uid).toBe(lookupUid(TEST_LOGIN));
  });

  it('refuses sftp and scp when a role sets ssh_file_copy: false', async () => {
    const noCopy = await t.identity({ roles: ['no-copy'] });
    const sftp = await runTool('sftp', [...t.copyArgs(noCopy), '-b', '/dev/null', HOST]);
    expect(sftp.code).not.toBe(0);
    expect(sftp.stderr).toContain('file copying via SCP or SFTP is not permitted');
    const scp = await runTool('scp', ['-O', ...t.copyArgs(noCopy), local, `${HOST}:nf-denied.bin`]);
    expect(scp.code).not.toBe(0);
    expect(scp.stderr).toContain('file copying via SCP or SFTP is not permitted');
    // Plain exec still works for that user.
    expect((await runSSH([...t.args(noCopy), 'echo ok'])).stdout).toBe('ok\n');
  });

  it('refuses sftp and scp when the node has ssh_file_copy off', async () => {
    const n = await startTestNode({ config: { sshFileCopy: false } });
    try {
      const nid = await n.identity();
      const sftp = await runTool('sftp', [...n.copyArgs(nid), '-b', '/dev/null', HOST]);
      expect(sftp.code).not.toBe(0);
      expect(sftp.stderr).toContain('node does not allow file copying via SCP or SFTP');
      const scp = await runTool('scp', ['-O', ...n.copyArgs(nid), `${HOST}:/etc/hostname`, join(n.dir, 'x')]);
      expect(scp.code).not.toBe(0);
      expect(scp.stderr).toContain('node does not allow file copying via SCP or SFTP');
    } finally {
      await n.cleanup();
    }
  });

  it('knows where distributions put sftp-server', () => {
    expect(SFTP_SERVER_PATHS).toContain('/usr/lib/openssh/sftp-server');
    expect(SFTP_SERVER_PATHS).toContain('/usr/libexec/openssh/sftp-server');
    expect(findSftpServer(['/nonexistent/sftp-server'])).toBeUndefined();
  });
});
