// The goals of the performance issue, read from the machine-readable results a bench writes
// (BENCH_JSON): rows of {path, ours, baseline, baselineName, unit, ratio, goal, met} for bench/all.mjs.

/** A row where higher is better (throughput): ratio = ours / baseline, met when ratio >= min. */
function atLeast(path, ours, baseline, baselineName, unit, min) {
  const ratio = ours / baseline;
  return { path, ours, baseline, baselineName, unit, ratio, goal: `>= ${min.toFixed(2)}x`, met: ratio >= min };
}

/** A row where lower is better (time): ratio = ours / baseline, met when ratio <= max. */
function atMost(path, ours, baseline, baselineName, unit, max) {
  const ratio = ours / baseline;
  return { path, ours, baseline, baselineName, unit, ratio, goal: `<= ${max.toFixed(2)}x time`, met: ratio <= max };
}

const GOALS = {
  /** ssh.mjs: ssh -J through us (recording on) >= 0.9x OpenSSH ssh -J; tsh ssh time <= 1.0x ssh -J. */
  ssh({ results }) {
    const rows = [];
    for (const base of results.filter((r) => r.side === 'openssh')) {
      const cipher = base.cipher.replace('@openssh.com', '');
      for (const r of results.filter((x) => x.cipher === base.cipher && x.side !== 'openssh')) {
        if (r.name.startsWith('ssh -J')) {
          rows.push(atLeast(`ssh -J via us, ${cipher}`, r.mibps, base.mibps, 'OpenSSH ssh -J', 'MiB/s', 0.9));
        }
        if (r.name.startsWith('tsh ssh')) {
          rows.push(atMost(`tsh ssh \`true\`, ${cipher}`, r.ms, base.ms, 'OpenSSH ssh -J', 'ms', 1.0));
        }
      }
    }
    return rows;
  },
  /** copies.mjs: every copy path at least as fast as OpenSSH's (ratio of speeds = baseline time / ours). */
  copies({ results }) {
    const rows = [];
    for (const r of results.filter((x) => x.baseline)) {
      const base = results.find((x) => x.case === r.case && x.key === r.baseline);
      if (!base) continue;
      const row = atLeast(`${r.key} ${r.case}`, 1 / (r.ms / 1000), 1 / (base.ms / 1000), r.baseline, 'copies/s', 1.0);
      rows.push({ ...row, ours: r.ms / 1000, baseline: base.ms / 1000, unit: 's' });
    }
    return rows;
  },
  /** db.mjs: PostgreSQL TPS (and MySQL queries/s) through us >= 0.9x direct. */
  db({ results }) {
    return results.map((r) => atLeast(r.workload, r.ours, r.direct, 'direct', r.unit, 0.9));
  },
  /** sessions.mjs: aggregate pump throughput of N sessions through us >= 0.9x OpenSSH at the same N. */
  sessions({ results }) {
    const mibps = (r) => r.pump.bytes / 2 ** 20 / (r.pump.ms / 1000);
    return results
      .filter((r) => r.side !== 'OpenSSH')
      .map((r) => {
        const base = results.find((b) => b.side === 'OpenSSH' && b.n === r.n);
        const path = `${r.n} sessions, pump`;
        if (!base) return { path, note: `ours ${mibps(r).toFixed(0)} MiB/s; no OpenSSH run at this N (--openssh-max)` };
        return atLeast(path, mibps(r), mibps(base), 'OpenSSH', 'MiB/s', 0.9);
      });
  },
  /** tsh.mjs: tsh status and tsh ls under 150 ms; tsh ssh `true` at most the time of OpenSSH ssh -J. */
  tsh({ results }) {
    const by = Object.fromEntries(results.map((r) => [r.key, r]));
    const rows = [];
    for (const key of ['tsh-status', 'tsh-ls']) {
      const r = by[key];
      if (!r) continue;
      // An absolute goal: the baseline column is the goal itself, `ssh -V` is in the bench's own table.
      rows.push({ path: `${r.name} (start to exit)`, ours: r.ms, baseline: 150, baselineName: 'goal', unit: 'ms', ratio: r.ms / 150, goal: '<= 150 ms', met: r.ms <= 150 });
    }
    if (by['tsh-ssh'] && by['ssh-J']) rows.push(atMost('tsh ssh `true`, plain account', by['tsh-ssh'].ms, by['ssh-J'].ms, 'OpenSSH ssh -J', 'ms', 1.0));
    return rows;
  },
  /** recording.mjs: recorded throughput >= 0.95x of recording off. */
  recording({ results }) {
    const rows = [];
    for (const key of Object.keys(results).filter((k) => k.endsWith('/node'))) {
      const kind = key.slice(0, -'/node'.length);
      const off = results[`${kind}/off`];
      if (off) rows.push(atLeast(`recording on, ${kind}`, results[key].mbps, off.mbps, 'recording off', 'MiB/s', 0.95));
    }
    return rows;
  },
  /**
   * app.mjs: requests/s through the app proxy (keep-alive, session cookie) >= 0.8x the app direct;
   * app sessions created/s well above Teleport's published 2,500/s per 4-vCPU proxy, scaled to our cores.
   */
  app({ direct, proxied, sessions, cpus }) {
    const teleport = (2500 / 4) * cpus;
    return [
      atLeast('app requests through the proxy', proxied.rps, direct.rps, 'the app direct', 'req/s', 0.8),
      atLeast('app sessions created', sessions.perSec, teleport, `Teleport 2,500/s per 4 vCPU, x${cpus}/4`, '/s', 1.0),
    ];
  },
  /**
   * kube.mjs: through the proxy against kubectl straight to the API server: exec throughput and
   * requests/s >= 0.9x direct; kubectl get pods with the certificate inline <= 1.2x the time (the
   * exec plugin's row adds a tsh process per kubectl run, so it is shown against 2x).
   */
  kube({ results }) {
    const goal = { 'get-pods-plugin': 2.0, 'get-pods-inline': 1.2 };
    return results.map((r) => (r.better === 'lower' ? atMost(r.path, r.ours, r.direct, 'direct', r.unit, goal[r.key] ?? 1.2) : atLeast(r.path, r.ours, r.direct, 'direct', r.unit, 0.9)));
  },
  /**
   * presence.mjs: auth CPU per join <= 5 ms; every node back within 30 s of auth listening again
   * after a kill -9 (the goal is for 10,000 nodes: the row names N); PostgreSQL heartbeats/s >= SQLite's.
   */
  presence({ nodes, results }) {
    const rows = [];
    const budget = (path, ours, max, unit) => ({ path, ours, baseline: max, baselineName: 'goal', unit, ratio: ours / max, goal: `<= ${max} ${unit}`, met: ours <= max });
    for (const r of results.filter((x) => !x.error)) {
      rows.push(budget(`join: auth CPU per node, ${r.backend}`, r.joinCpuMsPerNode, 5, 'ms'));
      // The goal is for 10,000 nodes: a smaller run shows the figure but cannot meet it.
      const back = budget(`${nodes} nodes back after auth restart, ${r.backend}`, r.allBackAfterListenS, 30, 's');
      rows.push(nodes >= 10_000 ? back : { ...back, goal: '<= 30 s at 10,000 nodes', met: false });
    }
    const sqlite = results.find((x) => x.backend === 'sqlite' && !x.error);
    const pg = results.find((x) => x.backend === 'postgres' && !x.error);
    if (sqlite && pg) rows.push(atLeast('heartbeats/s, PostgreSQL', pg.heartbeatsPerS, sqlite.heartbeatsPerS, 'SQLite', 'heartbeats/s', 1.0));
    return rows;
  },
};

/** The goal rows of bench `name` from its JSON results (none when the bench has no goals here). */
export function goalRows(name, json) {
  const goals = GOALS[name];
  return goals ? goals(json) : [];
}
