#!/usr/bin/env node
// Web terminal benchmark: keystroke-to-echo latency through the proxy's terminal websocket (logged
// in through the web API as the UI is: POST /webapi/sessions/web with the CSRF double submit, then
// /v1/webapi/sites/:site/connect/ws with the cookie on the upgrade and the bearer token as the
// first frame, Teleport's protobuf envelopes), against the same through `tsh ssh` in a PTY
// (node-pty). Both drive the same remote program: the login shell turned into `stty raw -echo;
// exec cat`, so every keystroke is echoed by a process on the node, one byte at a time.
// Then N concurrent web terminals on the one proxy (N = 1, 10, 50, 100, 200, ...), each typing at
// --rate keystrokes per second (a fast typist) for --seconds (longer when fewer than --min-samples
// keystrokes would be timed), until the median latency passes --knee times the
// one-terminal median: that N is the knee (--full runs every step anyway, to show the curve).
//
//   node bench/web-terminal.mjs [--keys=300] [--concurrency=1,10,25,50,100,200,400,800] [--rate=10]
//                               [--seconds=5] [--min-samples=200] [--knee=2] [--recording=node|off] [--full] [--keep]
//
// One machine, one run: the cluster (bin/teleport, auth + proxy + node in one process), the bench
// client and its websockets share the cores, so the concurrent figures are a floor.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pty from 'node-pty';
import { WebSocket } from 'ws';
import { PASSWORD, buildDist, startOurCluster } from './cluster.mjs';
import { median, stopAll } from './run.mjs';

const { values: opts } = parseArgs({
  options: {
    keys: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1,10,25,50,100,200,400,800' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '5' },
    'min-samples': { type: 'string', default: '200' },
    knee: { type: 'string', default: '2' },
    recording: { type: 'string', default: 'node' },
    full: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(
    [
      'usage: node bench/web-terminal.mjs [--keys=300] [--concurrency=1,10,25,50,100,200,400,800] [--rate=10]',
      '         [--seconds=5] [--min-samples=200] [--knee=2] [--recording=node|off] [--full] [--keep]',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const keys = Number(opts.keys);
const steps = opts.concurrency.split(',').map(Number).filter((n) => n > 0);
const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const knee = Number(opts.knee);
const minSamples = Number(opts['min-samples']);
const loadAtStart = loadavg()[0];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

// --- Teleport's web terminal envelope: protobuf {1: version "1", 2: type, 3: payload} ---------

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function encodeEnvelope(type, payload) {
  const parts = [];
  for (const [no, value] of [[1, Buffer.from('1')], [2, Buffer.from(type)], [3, Buffer.from(payload)]]) {
    parts.push(Buffer.from([(no << 3) | 2, ...varint(value.length)]), value);
  }
  return Buffer.concat(parts);
}

function decodeEnvelope(buf) {
  const env = { type: '', payload: Buffer.alloc(0) };
  let at = 0;
  const readVarint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[at++];
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (at < buf.length) {
    const tag = readVarint();
    if ((tag & 7) !== 2) throw new Error(`unexpected wire type in envelope: ${tag & 7}`);
    const len = readVarint();
    const value = buf.subarray(at, at + len);
    at += len;
    if (tag >> 3 === 2) env.type = value.toString();
    else if (tag >> 3 === 3) env.payload = value;
  }
  return env;
}

// --- Terminals: {write(text), close()} feeding every output chunk to `onData` ----------------

/** Logs in as the UI does; resolves {cookie, token}. Certificates: loopback, the cluster's own CA. */
async function webLogin(webAddr, user) {
  const [host, port] = webAddr.split(':');
  const csrf = 'c'.repeat(64);
  const body = JSON.stringify({ user, pass: PASSWORD, second_factor_token: '' });
  const res = await new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        method: 'POST',
        path: '/webapi/sessions/web',
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, cookie: `__Host-grv_csrf=${csrf}` },
      },
      (r) => {
        const chunks = [];
        r.on('data', (d) => chunks.push(d));
        r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  if (res.status !== 200) throw new Error(`web login: HTTP ${res.status} ${res.text}`);
  const cookies = [`__Host-grv_csrf=${csrf}`, ...[res.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0])];
  return { cookie: cookies.join('; '), token: JSON.parse(res.text).token };
}

/** Opens a web terminal to the node; resolves once the socket is authenticated. */
function openWebTerminal({ webAddr, cluster, nodename, session }) {
  const params = JSON.stringify({ server_id: nodename, login: 'root', term: { w: 80, h: 25 } });
  const ws = new WebSocket(`wss://${webAddr}/v1/webapi/sites/${cluster}/connect/ws?params=${encodeURIComponent(params)}`, {
    rejectUnauthorized: false,
    headers: { cookie: session.cookie },
  });
  ws.binaryType = 'nodebuffer';
  const term = {
    name: 'web',
    onData: () => {},
    write: (text) => ws.send(encodeEnvelope('r', text)),
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ token: session.token })));
    ws.once('error', reject);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const status = JSON.parse(data.toString());
        if (status.status === 'ok') resolve(term);
        else reject(new Error(`web terminal auth: ${data}`));
        return;
      }
      const env = decodeEnvelope(data);
      if (env.type === 'r') term.onData(env.payload.toString('latin1'));
      else if (env.type === 'e') reject(new Error(`web terminal: ${env.payload}`));
    });
  });
}

/** `tsh ssh` in a PTY: tsh puts the PTY in raw mode and asks the node for a PTY too. */
async function openTshTerminal({ env, nodename }) {
  const child = pty.spawn(join(import.meta.dirname, '..', 'bin', 'tsh'), ['--insecure', 'ssh', `root@${nodename}`], {
    name: 'xterm',
    cols: 80,
    rows: 25,
    env,
  });
  const term = { name: 'tsh', onData: () => {}, write: (text) => child.write(text), close: () => child.kill() };
  child.onData((d) => term.onData(d));
  return term;
}

/** Turns the remote shell into `cat` on a raw TTY (one byte in, the same byte back). */
async function toCat(term) {
  let seen = '';
  let sent = false;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${term.name}: no READY from the shell; saw ${JSON.stringify(seen.slice(-300))}`)), 60_000);
    term.onData = (d) => {
      seen += d;
      // Type only once the shell shows its prompt (bash may drop what came before it).
      if (!sent && /[#$] $/.test(seen)) {
        sent = true;
        term.write('stty raw -echo; echo RE""ADY; exec cat\r');
      }
      // The command line's own echo reads RE""ADY; only the shell's output reads READY.
      if (seen.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  await sleep(200);
  term.onData = () => {};
}

/** Types one character and resolves the milliseconds until it comes back. */
function keystroke(term, ch) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${term.name}: no echo of ${ch} in 30 s`)), 30_000);
    const t0 = process.hrtime.bigint();
    term.onData = (d) => {
      if (!d.includes(ch)) return;
      clearTimeout(timer);
      term.onData = () => {};
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    };
    term.write(ch);
  });
}

/** `n` keystrokes back to back (each after the previous echo); returns their latencies. */
async function sequential(term, n) {
  const ms = [];
  for (let i = 0; i < 20; i++) await keystroke(term, ALPHABET[i % 26]); // warm-up
  for (let i = 0; i < n; i++) ms.push(await keystroke(term, ALPHABET[i % 26]));
  return ms;
}

/** Every terminal types at `rate` keys/s for `seconds` (random phase); returns all latencies. */
async function typing(terms) {
  const interval = 1000 / rate;
  // Small steps type for longer, so that every step's median rests on enough keystrokes.
  const perTerm = Math.max(1, Math.round(seconds * rate), Math.ceil(minSamples / terms.length));
  const all = [];
  await Promise.all(
    terms.map(async (term, j) => {
      await sleep(Math.random() * interval);
      const start = performance.now();
      for (let i = 0; i < perTerm; i++) {
        all.push(await keystroke(term, ALPHABET[(i + j) % 26]));
        const next = start + (i + 1) * interval;
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
      }
    }),
  );
  return all;
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const fmt = (ms) => ms.toFixed(2);

async function main() {
  await buildDist();
  const dir = await mkdtemp(join(tmpdir(), 'bench-web-terminal-'));
  const cluster = await startOurCluster({ dir, cipher: 'aes128-gcm@openssh.com', recording: opts.recording });
  const terms = [];
  try {
    const session = await webLogin(cluster.webAddr, cluster.user);
    const ctx = { ...cluster, session };

    // Single terminal: web vs tsh ssh, taking turns in blocks so that load falls on both alike.
    const web = await openWebTerminal(ctx);
    terms.push(web);
    await toCat(web);
    const tsh = await openTshTerminal(ctx);
    terms.push(tsh);
    await toCat(tsh);
    const lat = { web: [], tsh: [] };
    const block = Math.max(1, Math.round(keys / 5));
    for (let done = 0; done < keys; done += block) {
      lat.web.push(...(await sequential(web, Math.min(block, keys - done))));
      lat.tsh.push(...(await sequential(tsh, Math.min(block, keys - done))));
    }
    tsh.close();
    terms.splice(terms.indexOf(tsh), 1);

    const rows = [];
    for (const [name, xs] of [['web terminal (websocket -> proxy -> node)', lat.web], ['tsh ssh (PTY -> proxy -> node)', lat.tsh]]) {
      rows.push({ name, med: median(xs), p99: percentile(xs, 99) });
    }
    const out = [];
    out.push(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; session recording: ${opts.recording}`);
    out.push('');
    out.push(`Keystroke to echo, one terminal, ${keys} keys each (remote \`cat\` on a raw TTY), ms`);
    out.push('| path | median | p99 |');
    out.push('|---|---|---|');
    for (const r of rows) out.push(`| ${r.name} | ${fmt(r.med)} | ${fmt(r.p99)} |`);
    out.push(`| ratio web / tsh | ${(rows[0].med / rows[1].med).toFixed(2)}x | ${(rows[0].p99 / rows[1].p99).toFixed(2)}x |`);
    process.stdout.write(`${out.join('\n')}\n\n`);

    // Concurrent terminals, each typing at `rate` keys/s.
    const conc = [];
    let baseline;
    let kneeAt;
    process.stdout.write(`Concurrent web terminals on one proxy, each typing ${rate} keys/s for ${seconds} s (at least ${minSamples} keystrokes a step), ms\n`);
    process.stdout.write('| terminals | median | p99 | x 1-terminal median | opened in s |\n|---|---|---|---|---|\n');
    for (const n of steps) {
      const t0 = performance.now();
      while (terms.length < n) {
        const batch = Math.min(10, n - terms.length);
        const opened = await Promise.all(Array.from({ length: batch }, () => openWebTerminal(ctx)));
        terms.push(...opened);
        await Promise.all(opened.map(toCat));
      }
      const openS = (performance.now() - t0) / 1000;
      const xs = await typing(terms.slice(0, n));
      const med = median(xs);
      baseline ??= med;
      const row = { n, med, p99: percentile(xs, 99), ratio: med / baseline, openS };
      conc.push(row);
      process.stdout.write(`| ${n} | ${fmt(med)} | ${fmt(row.p99)} | ${row.ratio.toFixed(2)}x | ${openS.toFixed(1)} |\n`);
      if (row.ratio >= knee && !kneeAt) {
        kneeAt = row;
        if (!opts.full) break;
      }
    }
    const last = conc.at(-1);
    process.stdout.write(
      kneeAt
        ? `\nknee: the median passed ${knee}x the one-terminal median (${fmt(baseline)} ms) at ${kneeAt.n} terminals (${fmt(kneeAt.med)} ms); ` +
            `last step under it: ${conc[conc.indexOf(kneeAt) - 1]?.n ?? 'none'} terminals\n`
        : `\nno knee up to ${last.n} terminals (median ${fmt(last.med)} ms, ${last.ratio.toFixed(2)}x the one-terminal median)\n`,
    );
    process.stdout.write(`load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0].toFixed(1)}\n`);
  } finally {
    for (const t of terms) t.close();
    await cluster.close();
    if (opts.keep) process.stdout.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
