// SIGHUP reload without a gap (issue 16): `teleport` started as a real process hands its listening
// sockets to a new process. Connections opened in a tight loop across the reload are all served,
// a request in flight on an established connection completes on the old process, the old process
// exits once that connection ends, and the pid file names the new process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(process.cwd(), 'bin', 'teleport');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function waitFor(get: () => string, pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const m = get().match(pattern);
      if (m) return resolve(m);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${pattern}; output so far:\n${get()}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

/** One HTTPS GET on a fresh connection; resolves with the status, rejects on any connection error. */
function ping(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/webapi/ping', rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('teleport reloads on SIGHUP without refusing a connection', () => {
  let dir: string;
  let child: ChildProcess;
  let out = '';
  let web: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tp-reload-'));
    const [auth, ssh, tunnel, node] = [await freePort(), await freePort(), await freePort(), await freePort()];
    web = await freePort();
    await writeFile(
      join(dir, 'teleport.yaml'),
      [
        'version: v3',
        'teleport:',
        '  nodename: reload-1',
        `  data_dir: ${dir}/data`,
        `  pid_file: ${dir}/teleport.pid`,
        '  log: {output: stderr, severity: INFO}',
        'auth_service:',
        '  cluster_name: reload',
        `  listen_addr: 127.0.0.1:${auth}`,
        'proxy_service:',
        `  web_listen_addr: 127.0.0.1:${web}`,
        `  listen_addr: 127.0.0.1:${ssh}`,
        `  tunnel_listen_addr: 127.0.0.1:${tunnel}`,
        'ssh_service:',
        `  listen_addr: 127.0.0.1:${node}`,
        '',
      ].join('\n'),
    );
    child = spawn(process.execPath, [BIN, 'start', '-c', join(dir, 'teleport.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out, /Cluster "reload" is running/);
  }, 60_000);

  afterAll(async () => {
    const pid = Number((await readFile(join(dir, 'teleport.pid'), 'utf8').catch(() => '')).trim());
    if (pid && pid !== child.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves every connection opened across the reload; the old process finishes its request in flight, then exits', { timeout: 90_000 }, async () => {
    // An established connection with a request half sent: it must be answered, not reset.
    const held = tlsConnect({ host: '127.0.0.1', port: web, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    await new Promise<void>((resolve, reject) => held.once('secureConnect', resolve).once('error', reject));
    let heldReply = '';
    held.on('data', (d: Buffer) => (heldReply += d.toString()));
    const body = '{"user":"nobody","pass":"wrong"}';
    held.write(`POST /webapi/sessions/web HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);

    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = async () => {
      while (!stop) {
        try {
          const status = await ping(web);
          if (status === 200) ok++;
          else failures.push(`status ${status}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const loops = [loop(), loop(), loop()];
    await new Promise((r) => setTimeout(r, 300));
    const before = ok;
    const oldExited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGHUP');
    await waitFor(() => out, /the new process serves/);
    const newPid = Number((await readFile(join(dir, 'teleport.pid'), 'utf8')).trim());
    expect(newPid).not.toBe(child.pid);
    // Keep hammering a while on the new process, then finish the held request.
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(before);

    expect(child.exitCode).toBeNull(); // the held connection keeps the old process
    held.write(body);
    await waitFor(() => heldReply, /^HTTP\/1\.1 \d{3}/);
    expect(heldReply).not.toMatch(/^HTTP\/1\.1 5\d\d/);
    held.end();
    expect(await oldExited).toBe(0);
    // The pid file still names the new process, which serves alone.
    expect(Number((await readFile(join(dir, 'teleport.pid'), 'utf8')).trim())).toBe(newPid);
    expect(await ping(web)).toBe(200);
    process.kill(newPid, 'SIGTERM');
    await waitFor(() => out, /shutting down/);
  });
});
