// Issue 17 item 1, the attack as it was made against a real cluster: node1, a joined node, tries to
// take over node2's sessions. (a) It asks for a host certificate with node2's name and UUID;
// (b) it rewrites node2's record to point at its own sshd; (c) with such a record in place (however
// written) and a certificate naming node2 that node1 holds (10-year host certificates issued before
// the fix survive it), `tsh ssh` must refuse the node because its certificate lacks node2's UUID.
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient } from '../src/api/client/index.js';
import { AccessDeniedError } from '../src/api/errors.js';
import { formatIdentityFile, parseIdentityFile } from '../src/api/identity-file.js';
import type { Node } from '../src/api/types/node.js';
import { decodeEnvelope } from '../src/api/web-terminal.js';
import { startCluster, startNode, type TestCluster, type TestNode } from './helpers/cluster.js';
import { loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';
import { WebAgent, inviteUser } from './helpers/web-http.js';

const me = userInfo().username;

describe('a node cannot take over another node', () => {
  let c: TestCluster;
  let admin: AuthClient;
  let node1: TestNode;
  let node2: TestNode | undefined;
  let node1Data: string;
  let alice: TshUser;
  let uuid1: string;
  let uuid2: string;
  /** node1's own auth API client, with the identity it joined with. */
  let asNode1: AuthClient;

  const pubPem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'impostor.test' });
    admin = await c.admin();
    node1Data = await mkdtemp(join(tmpdir(), 'tp-node1-'));
    node1 = await startNode(c, { nodename: 'node1', dataDir: node1Data, token: (await admin.generateToken({ roles: ['node'] })).token });
    node2 = await startNode(c, { nodename: 'node2' });
    const nodes = await waitForNodes(c, ['node1', 'node2']);
    uuid1 = nodes.find((n) => n.spec.hostname === 'node1')!.metadata.name;
    uuid2 = nodes.find((n) => n.spec.hostname === 'node2')!.metadata.name;
    const id = parseIdentityFile(await readFile(join(node1Data, 'identity', 'node.pem'), 'utf8'));
    asNode1 = new AuthClient({ addr: c.authAddr, clusterName: c.clusterName, credentials: { keyPem: id.keyPem, certPem: id.tlsCert!, caPems: id.tlsCAs } });
    alice = await loginUser(c, 'alice', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await node1?.close();
    await node2?.close();
    await c?.close();
    await rm(node1Data, { recursive: true, force: true });
  });

  it('(a) refuses node1 a host certificate naming node2 or carrying its UUID', async () => {
    // The request of the attack: node2's name, and its UUID as an extra principal.
    const attack = { host_id: uuid1, node_name: 'node2', additional_principals: [uuid2], role: 'Node', public_key: pubPem() };
    const err = await asNode1.generateHostCerts(attack).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as Error).message).toMatch(/may not (add|have) "(node2|[0-9a-f-]{36})"/);
    // Each part alone is refused too, with the name it was about.
    await expect(asNode1.generateHostCerts({ ...attack, additional_principals: [] })).rejects.toThrow(/"node2"/);
    await expect(asNode1.generateHostCerts({ ...attack, node_name: 'node1' })).rejects.toThrow(new RegExp(`"${uuid2}"`));
    // Another host's ID, or a role it does not have.
    await expect(asNode1.generateHostCerts({ ...attack, host_id: uuid2, node_name: 'node2', additional_principals: [] })).rejects.toThrow(AccessDeniedError);
    await expect(asNode1.generateHostCerts({ host_id: uuid1, node_name: 'node1', role: 'Proxy', public_key: pubPem() })).rejects.toThrow(AccessDeniedError);
    // Its own renewal, with the names it joined with, works.
    const own = await asNode1.generateHostCerts({ host_id: uuid1, node_name: 'node1', role: 'Node', public_key: pubPem() });
    expect(own.ssh).toMatch(/-cert-v01@openssh\.com /);
    // Joining with a token as node2's name is refused the same way.
    const token = (await admin.generateToken({ roles: ['node'] })).token;
    const pin = (await admin.status()).cas.find((x) => x.type === 'host')!.pins[0];
    const join = AuthClient.join({ addr: c.authAddr, caPins: [pin] }, { token, host_id: 'newcomer', node_name: 'node2', role: 'node', public_key: pubPem() });
    await expect(join).rejects.toThrow(/may not have "node2" in its certificate: it names the registered node/);
  });

  it("(b) refuses node1 writing node2's record through the resources API or a heartbeat", async () => {
    const forged: Node = { kind: 'node', version: 'v2', metadata: { name: uuid2 }, spec: { hostname: 'node2', addr: node1.addr } } as Node;
    const err = await asNode1.createResource(forged, { force: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect((err as Error).message).toMatch(new RegExp(`Node host "${uuid1}" may not create node "${uuid2}": a host may write only its own records`));
    await expect(asNode1.heartbeatNode(forged, 60_000)).rejects.toThrow(AccessDeniedError);
    // Nor a record for a host that does not exist.
    await expect(asNode1.createResource({ ...forged, metadata: { name: 'ghost' } }, { force: true })).rejects.toThrow(AccessDeniedError);
    const stored = (await admin.getResource('node', uuid2)) as Node;
    expect(stored.spec.addr).toBe(node2!.addr);
  });

  it("(c) tsh refuses a node whose certificate lacks the resolved node's UUID, even when it names the host", async () => {
    // Before: node2 answers as node2 (its true record, whatever an earlier attempt left).
    await admin.createResource({ kind: 'node', version: 'v2', metadata: { name: uuid2 }, spec: { hostname: 'node2', addr: node2!.addr } }, { force: true });
    const ok = await alice.tsh(['ssh', `${me}@node2`, 'echo $SSH_TELEPORT_HOST_UUID']);
    expect(ok.err).toBe('');
    expect(ok.out.trim()).toBe(uuid2);

    // node1 comes back with a certificate naming node2 (but only its own UUID), as issued before the fix.
    await node1.close();
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certs = await admin.generateHostCerts({ host_id: uuid1, node_name: 'node2', role: 'Node', public_key: key.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const old = parseIdentityFile(await readFile(join(node1Data, 'identity', 'node.pem'), 'utf8'));
    await mkdir(join(node1Data, 'identity'), { recursive: true });
    await writeFile(
      join(node1Data, 'identity', 'node.pem'),
      formatIdentityFile({ ...old, keyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), sshCert: certs.ssh, tlsCert: certs.tls }),
      { mode: 0o600 },
    );
    node1 = await startNode(c, { nodename: 'node1', dataDir: node1Data });
    // node2 goes away, and its record is pointed at node1's sshd (written here by the administrator:
    // what matters is the record, not who wrote it).
    await node2!.close();
    node2 = undefined;
    await admin.createResource({ kind: 'node', version: 'v2', metadata: { name: uuid2 }, spec: { hostname: 'node2', addr: node1.addr } }, { force: true });

    const r = await alice.tsh(['ssh', `${me}@node2`, 'echo $SSH_TELEPORT_HOST_UUID']);
    expect(r.out).not.toContain(uuid1);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(new RegExp(`node "node2" is not trusted: .*does not belong to node ${uuid2}`));
    // The proxy's web terminal makes the same check when it dials the node itself.
    const web = new WebAgent(c);
    await inviteUser(c, 'webby', ['access'], [me], 'a long enough password', { agent: web, browser: true });
    const ws = web.openTerminal(c.clusterName, { server_id: 'node2', login: me, term: { w: 80, h: 24 } });
    ws.binaryType = 'nodebuffer';
    const frames: string[] = [];
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (binary) frames.push(Buffer.from(decodeEnvelope(new Uint8Array(data)).payload).toString('utf8'));
    });
    await new Promise((resolve) => ws.on('close', resolve));
    expect(frames.join('\n')).toMatch(new RegExp(`node "node2" is not trusted: .*does not belong to node ${uuid2}`));
    // node1 by its own name is still reachable: the check is about which node, not about node1.
    const own = await alice.tsh(['ssh', `${me}@node1`, 'echo $SSH_TELEPORT_HOST_UUID']);
    expect(own.out.trim()).toBe(uuid1);
  });
});
