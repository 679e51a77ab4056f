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

async function openOne() {
  const common = { username: cfg.user, privateKey, cert, verifyHostKey: () => true, timeoutMs: 120_000 };
  const jump = await connectSSH({ ...common, host: cfg.jump.host, port: cfg.jump.port });
  try {
    const sock = await jump.forwardOut(cfg.target.host, cfg.target.port);
    const target = await connectSSH({ ...common, sock });
    const idle = await target.exec('cat');
    idle.stdout.resume();
    idle.stderr.resume();
    sessions.push({ jump, target, idle });
  } catch (err) {
    jump.close();
    throw err;
  }
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
  await Promise.all(Array.from({ length: cfg.concurrency }, worker));
  return { open: sessions.length, errors, lastError };
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
