// teleport.shutdown_delay acts: after SIGTERM the process keeps serving for the delay (a load
// balancer drains it); a second SIGTERM stops it at once. Named by src/config/key-proofs.test.ts.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { captureIO } from '../framework/index.js';
import { runTeleport } from './run.js';

const tmp = mkdtempSync(join(tmpdir(), 'teleport-shutdown-delay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Resolves when a TCP connection to `port` on loopback is accepted. */
function reachable(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve();
    });
    s.on('error', reject);
  });
}

it('shutdown_delay keeps the process serving after SIGTERM, and a second SIGTERM stops it now', { timeout: 30_000 }, async () => {
  const path = join(tmp, 'teleport.yaml');
  writeFileSync(
    path,
    [
      'teleport:',
      `  data_dir: ${join(tmp, 'data')}`,
      '  shutdown_delay: 1h',
      '  log: {output: stderr, severity: ERROR}',
      'auth_service: {listen_addr: 127.0.0.1:0}',
      'ssh_service: {enabled: no}',
      'proxy_service: {enabled: no}',
      '',
    ].join('\n'),
  );
  const signals = new EventEmitter();
  const c = captureIO();
  let delayed: (ms: number) => void = () => undefined;
  const delayStarted = new Promise<number>((resolve) => (delayed = resolve));
  const exited = runTeleport(['start', '-c', path], c.io, signals, { onShutdownDelay: (ms) => delayed(ms) });
  let port: number | undefined;
  while (port === undefined) {
    if (c.err() !== '') throw new Error(`teleport start failed: ${c.err()}`);
    port = Number(/Auth service \S+ is starting on 127\.0\.0\.1:(\d+)/.exec(c.out())?.[1]) || undefined;
    if (port === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  signals.emit('SIGTERM');
  expect(await delayStarted).toBe(3_600_000);
  await reachable(port); // still serving during the delay
  signals.emit('SIGTERM');
  expect(await exited).toBe(0);
  await expect(reachable(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});
