// The proxy reaches the node of its own process through an in-memory pipe and every other node by
// TCP: what each node sees of the connection (SSH_CONNECTION: the proxy's address, source port 0
// for the pipe), and bulk output, input and EOF carried unchanged both ways through the pipe.
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, startNode, type TestCluster, type TestNode } from './helpers/cluster.js';
import { loginUser, waitForNodes, type TshUser } from './helpers/tsh-user.js';

const me = userInfo().username;

describe('the proxy and the node of its own process', () => {
  let c: TestCluster;
  let other: TestNode;
  let alice: TshUser;

  beforeAll(async () => {
    c = await startCluster({ clusterName: 'local.test', nodename: 'node-1', ssh: '' });
    other = await startNode(c, { nodename: 'node-2' });
    await waitForNodes(c, ['node-1', 'node-2']);
    alice = await loginUser(c, 'alice', ['access'], [me]);
  }, 120_000);
  afterAll(async () => {
    await alice?.cleanup();
    await other?.close();
    await c?.close();
  });

  it('connects to its own node in memory and to other nodes by TCP', async () => {
    const local = await alice.tsh(['ssh', '-l', me, 'node-1', 'echo $SSH_CONNECTION']);
    expect(local.code).toBe(0);
    const localPort = c.nodeAddr!.split(':').at(-1);
    expect(local.out.trim()).toBe(`127.0.0.1 0 127.0.0.1 ${localPort}`);
    const remote = await alice.tsh(['ssh', '-l', me, 'node-2', 'echo $SSH_CONNECTION']);
    expect(remote.code).toBe(0);
    expect(remote.out.trim()).toMatch(new RegExp(`^127\\.0\\.0\\.1 [1-9]\\d* 127\\.0\\.0\\.1 ${other.addr.split(':').at(-1)}$`));
  });

  it('carries bulk output and input through the pipe unchanged', async () => {
    // 8 MiB of output: several channel windows, the pipe's backpressure included.
    const out = await alice.tsh(['ssh', '-l', me, 'node-1', 'head -c 6291456 /dev/urandom | base64 -w 0']);
    expect(out.code).toBe(0);
    expect(out.out.length).toBe(8388608);
    const input = 'x'.repeat(3_000_000);
    const echoed = await alice.tsh(['ssh', '-l', me, 'node-1', 'sha256sum'], { stdin: input });
    expect(echoed.code).toBe(0);
    expect(echoed.out.split(' ')[0]).toBe(createHash('sha256').update(input).digest('hex'));
  });
});
