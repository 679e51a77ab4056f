// The session launcher process: programs on pipes (their sockets passed back to us) and on
// terminals (relayed), exit codes and signals, a program that cannot start, and a launcher that
// dies and is started again.
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import { SessionLauncher } from './session-launcher.js';

const env = { PATH: '/usr/bin:/bin', LANG: 'C' };
const logger = silentLogger;

function collect(r: Readable): Promise<string> {
  const parts: Buffer[] = [];
  r.on('data', (d: Buffer) => parts.push(d));
  return new Promise((resolve) => r.once('close', () => resolve(Buffer.concat(parts).toString())));
}

describe('SessionLauncher', () => {
  let launcher: SessionLauncher;
  afterEach(() => launcher.close());

  it('runs a program on pipes whose sockets it hands back, and reports its exit code', async () => {
    launcher = new SessionLauncher({ logger });
    const p = await launcher.startPiped({ file: '/bin/sh', args: ['-c', 'cat; echo "err $PWD" >&2; exit 3'], cwd: '/tmp', env });
    expect(p.pid).toBeGreaterThan(0);
    expect(p.pid).not.toBe(launcher.pid);
    const [out, err] = [collect(p.stdout), collect(p.stderr)];
    p.stdin.end('hello\n');
    expect(await p.exited).toEqual({ code: 3 });
    expect(await out).toBe('hello\n');
    expect(await err).toBe('err /tmp\n');
  });

  it('passes large output through the pipes whole', async () => {
    launcher = new SessionLauncher({ logger });
    const p = await launcher.startPiped({ file: '/bin/sh', args: ['-c', 'head -c 8388608 /dev/zero'], cwd: '/', env });
    const out = collect(p.stdout);
    p.stdin.end();
    expect((await out).length).toBe(8 * 1024 * 1024);
    expect(await p.exited).toEqual({ code: 0 });
  });

  it('delivers signals and reports the signal that ended the program', async () => {
    launcher = new SessionLauncher({ logger });
    const p = await launcher.startPiped({ file: '/bin/sleep', args: ['30'], cwd: '/', env });
    p.kill('SIGTERM');
    expect(await p.exited).toEqual({ signal: 'SIGTERM' });
  });

  it('refuses a program that cannot start, with the reason', async () => {
    launcher = new SessionLauncher({ logger });
    await expect(launcher.startPiped({ file: '/nonexistent/program', args: [], cwd: '/', env })).rejects.toThrow(/ENOENT/);
    // The launcher is still there for the next one.
    const p = await launcher.startPiped({ file: '/bin/true', args: [], cwd: '/', env });
    expect(await p.exited).toEqual({ code: 0 });
  });

  it('runs a program on a terminal: output, input, size, exit code', async () => {
    launcher = new SessionLauncher({ logger });
    const t = await launcher.startTerminal({ file: '/bin/sh', args: ['-c', 'stty size; read line; echo "got $line"; exit 7'], cwd: '/', env, term: 'xterm', cols: 100, rows: 30 });
    let out = '';
    t.onData((d) => (out += d.toString()));
    t.write(Buffer.from('abc\n'));
    expect(await t.exited).toEqual({ code: 7 });
    expect(out).toContain('30 100');
    expect(out).toContain('got abc');
  });

  it("hands a terminal's output on as it comes, not only at the exit", async () => {
    launcher = new SessionLauncher({ logger });
    const t = await launcher.startTerminal({ file: '/bin/sh', args: ['-c', 'echo prompt; read x; echo "got $x"'], cwd: '/', env, term: 'xterm', cols: 80, rows: 24 });
    let out = '';
    t.onData((d) => (out += d.toString()));
    while (!out.includes('prompt')) await new Promise((r) => setTimeout(r, 20));
    t.write(Buffer.from('more\n'));
    await t.exited;
    expect(out).toContain('got more');
  });

  it('resizes a terminal', async () => {
    launcher = new SessionLauncher({ logger });
    const t = await launcher.startTerminal({ file: '/bin/sh', args: ['-c', 'read x; stty size'], cwd: '/', env, term: 'xterm', cols: 80, rows: 24 });
    let out = '';
    t.onData((d) => (out += d.toString()));
    t.resize(132, 43);
    t.write(Buffer.from('\n'));
    await t.exited;
    expect(out).toContain('43 132');
  });

  it('starts another launcher when it dies; the sessions it ran end', async () => {
    launcher = new SessionLauncher({ logger });
    const t = await launcher.startTerminal({ file: '/bin/sleep', args: ['30'], cwd: '/', env, term: 'xterm', cols: 80, rows: 24 });
    const first = launcher.pid!;
    process.kill(first, 'SIGKILL');
    expect(await t.exited).toEqual({ signal: 'SIGHUP' });
    const p = await launcher.startPiped({ file: '/bin/sh', args: ['-c', 'echo again'], cwd: '/', env });
    const out = collect(p.stdout);
    p.stdin.end();
    expect(await out).toBe('again\n');
    expect(launcher.pid).not.toBe(first);
  });
});
