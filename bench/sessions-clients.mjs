// One process of SSH clients for bench/sessions.mjs (forked, driven over IPC). Each session is what
// `ssh -J jump target` does, with our own SSH client (src/sshutils' connectSSH, bundled from src/
// by sessions.mjs): a connection to the jump host (our proxy, or sshd), a direct-tcpip channel
// through it to the target (our node, or sshd), a second SSH connection over that channel, and
// `cat` running in an exec session on it (an idle session with a process behind it).
//
//   argv[2]: JSON {lib, jump: {host, port}, target: {host, port}, keyPath, certPath, user, concurrency}
//
// Commands: {cmd: 'open', count} opens `count` more sessions; {cmd: 'pump', bytes} runs
// `head -c bytes /dev/zero` on every open session's connection at once and answers with the bytes
// read and the wall time; {cmd: 'close'} closes them all; {cmd: 'exit'}.
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(process.argv[2]);
const { connectSSH } = await import(pathToFileURL(join(cfg.lib, 'sshutils.mjs')).href);
const { parsePrivateKey } = await import(pathToFileURL(join(cfg.lib, 'private-key.mjs')).href);
// tsh stores OpenSSH-format keys; ssh-keygen -m PEM writes PEM.
const keyText = readFileSync(cfg.keyPath, 'utf8');
const privateKey = keyText.includes('OPENSSH PRIVATE KEY') ? parsePrivateKey(keyText) : createPrivateKey(keyText);
const cert = readFileSync(cfg.certPath, 'utf8').trim();
const sessions = [];

/** Per phase of opening a session, the ms each session spent in it (for the medians and maxima). */
const PHASES = ['jump', 'channel', 'target', 'exec'];
let phaseMs = Object.fromEntries(PHASES.map((p) => [p, []]));

async function openOne() {
  const common = { username: cfg.user, privateKey, cert, verifyHostKey: () => true, timeoutMs: 120_000 };
  let t = performance.now();
  const lap = (phase) => {
    const now = performance.now();
    phaseMs[phase].push(now - t);
    t = now;
  };
  const jump = await connectSSH({ ...common, host: cfg.jump.host, port: cfg.jump.port });
  lap('jump');
  try {
    const sock = await jump.forwardOut(cfg.target.host, cfg.target.port);
    lap('channel');
    const target = await connectSSH({ ...common, sock });
    lap('target');
    const idle = await target.exec('cat');
    lap('exec');
    idle.stdout.resume();
    idle.stderr.resume();
    sessions.push({ jump, target, idle });
  } catch (err) {
    jump.close();
    throw err;
  }
}

/** {phase: {median, p90, max, sum}} in ms over the sessions opened by the last `open`. */
function phaseStats() {
  const out = {};
  for (const p of PHASES) {
    const xs = phaseMs[p].slice().sort((a, b) => a - b);
    const at = (q) => Math.round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0);
    out[p] = { median: at(0.5), p90: at(0.9), max: Math.round(xs.at(-1) ?? 0), sum: Math.round(xs.reduce((a, b) => a + b, 0)) };
  }
  return out;
}

async function open(count) {
  let left = count;
  let errors = 0;
  let lastError = '';
  const worker = async () => {
    while (left > 0) {
      left--;
      try {
        await openOne();
      } catch (err) {
        errors++;
        lastError = err.message;
      }
    }
  };
  phaseMs = Object.fromEntries(PHASES.map((p) => [p, []]));
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  return { open: sessions.length, errors, lastError, phases: phaseStats() };
}

async function pump(bytes) {
  const started = process.hrtime.bigint();
  let total = 0;
  let errors = 0;
  let lastError = '';
  await Promise.all(
    sessions.map(async ({ target }) => {
      try {
        const p = await target.exec(`head -c ${bytes} /dev/zero`);
        p.stdout.on('data', (b) => (total += b.length));
        p.stderr.resume();
        await p.exit;
      } catch (err) {
        errors++;
        lastError = err.message;
      }
    }),
  );
  return { bytes: total, ms: Number(process.hrtime.bigint() - started) / 1e6, errors, lastError };
}

function closeAll() {
  for (const s of sessions.splice(0)) {
    s.idle.stdin.end();
    s.target.close();
    s.jump.close();
  }
}

process.on('message', async (m) => {
  try {
    if (m.cmd === 'open') process.send({ id: m.id, ...(await open(m.count)) });
    else if (m.cmd === 'pump') process.send({ id: m.id, ...(await pump(m.bytes)) });
    else if (m.cmd === 'close') {
      closeAll();
      process.send({ id: m.id });
    } else if (m.cmd === 'exit') {
      closeAll();
      setTimeout(() => process.exit(0), 200);
    }
  } catch (err) {
    process.send({ id: m.id, error: err.message });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
