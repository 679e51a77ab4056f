// One process of simulated nodes for bench/presence.mjs (started with fork, driven over IPC).
// Each simulated node is what a real node's control plane is, without its SSH server: its own key,
// joined with the cluster's token through the auth API (`AuthClient.join`, checking the CA pin), its
// own AuthClient with its host certificate (mutual TLS, a keep-alive connection pool), and the
// node's own `Heartbeat` (src/node/heartbeat.ts: announce period, jitter, retry backoff) on a
// shared `Ticker`. The code is the server's own, bundled from src/ by presence.mjs.
//
//   argv[2]: JSON {lib, authAddr, token, caPins, clusterName, first, count, concurrency}
//
// Commands (process.send from the parent): {cmd: 'mark'} starts counting, per node, the first
// accepted heartbeat after now; {cmd: 'trigger', spreadMs} makes every node announce at a random
// moment within spreadMs (as a change of its labels would); {cmd: 'status'} answers with counters;
// {cmd: 'exit'}.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.argv[2]);
const lib = (name) => import(pathToFileURL(join(cfg.lib, `${name}.mjs`)).href);
const [{ AuthClient }, { Heartbeat }, { Ticker }] = await Promise.all([lib('client'), lib('heartbeat'), lib('ticker')]);

const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
const clock = { now: () => Date.now() };
const ticker = new Ticker(1000, () => undefined);
const nodes = [];
const counters = { joined: 0, joinErrors: 0, gaveUp: 0, ok: 0, fail: 0, lastError: '' };
/** Per second (epoch seconds): accepted heartbeats, across this process. */
const okPerSecond = new Map();
let markAt = 0;

function nodeResource(i, hostId) {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return {
    kind: 'node',
    version: 'v2',
    metadata: { name: hostId, labels: { env: i % 5 === 0 ? 'prod' : 'staging', rack: `r${i % 40}` } },
    spec: { addr: `${ip}:3022`, hostname: `sim-${String(i).padStart(5, '0')}`, version: '16.0.0' },
  };
}

/** Joins node `i` like a real node's first start, then starts its heartbeat. */
async function startNode(i) {
  const hostId = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const res = await AuthClient.join(
    { addr: cfg.authAddr, caPins: cfg.caPins },
    {
      token: cfg.token,
      host_id: hostId,
      node_name: `sim-${String(i).padStart(5, '0')}`,
      role: 'Node',
      public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      additional_principals: [],
    },
  );
  const client = new AuthClient({
    addr: cfg.authAddr,
    clusterName: res.cluster_name,
    credentials: { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: res.tls, caPems: res.tls_ca_certs },
  });
  counters.joined++;
  const node = { firstOkAfterMark: 0 };
  const resource = nodeResource(i, hostId);
  node.heartbeat = new Heartbeat({
    resource: () => resource,
    announce: async (n, ttl) => {
      let answer;
      try {
        answer = await client.heartbeatNode(n, ttl);
      } catch (err) {
        counters.fail++;
        counters.lastError = err.message;
        throw err;
      }
      const now = Date.now();
      counters.ok++;
      const sec = Math.floor(now / 1000);
      okPerSecond.set(sec, (okPerSecond.get(sec) ?? 0) + 1);
      if (!node.firstOkAfterMark && now >= markAt) node.firstOkAfterMark = now;
      // The reconnect window auth sizes to the cluster, as the node's access point passes it on.
      return typeof answer?.reconnect_window_ms === 'number' ? { reconnectWindowMs: answer.reconnect_window_ms } : {};
    },
    clock,
    ticker,
    logger: quiet,
  });
  nodes.push(node);
  node.heartbeat.start();
}

async function joinAll() {
  let next = cfg.first;
  const end = cfg.first + cfg.count;
  const worker = async () => {
    while (next < end) {
      const i = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          await startNode(i);
          break;
        } catch (err) {
          counters.joinErrors++;
          counters.lastError = `join: ${err.message}`;
          if (attempt >= 5) {
            counters.gaveUp++;
            break;
          }
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
}

function status() {
  const since = Math.floor(markAt / 1000);
  const perSecond = [...okPerSecond].filter(([s]) => s >= since).sort((a, b) => a[0] - b[0]);
  const backs = nodes.filter((n) => n.firstOkAfterMark).map((n) => n.firstOkAfterMark);
  return {
    ...counters,
    nodes: nodes.length,
    back: backs.length,
    lastBackAt: backs.length ? Math.max(...backs) : 0,
    perSecond,
    rss: process.memoryUsage().rss,
  };
}

process.on('message', (m) => {
  if (m.cmd === 'mark') {
    markAt = Date.now();
    for (const n of nodes) n.firstOkAfterMark = 0;
    process.send({ id: m.id, markAt });
  } else if (m.cmd === 'trigger') {
    for (const n of nodes) setTimeout(() => n.heartbeat.trigger(), Math.random() * m.spreadMs);
    process.send({ id: m.id });
  } else if (m.cmd === 'status') {
    process.send({ id: m.id, ...status() });
  } else if (m.cmd === 'exit') {
    ticker.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

process.send({ ready: true });
await joinAll();
process.send({ joinedAll: true, ...status() });
