/**
 * For tests: dynalite (a local DynamoDB API stand-in, in memory) on 127.0.0.1 port 0, in a child
 * process so its CPU does not share the test's event loop. It takes any credentials; `options` are
 * what a DynamoBackend needs to reach it. It has no Streams, TTL or transactions.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** A running dynalite. */
export interface LocalDynamo {
  endpoint: string;
  /** Endpoint, region and fake credentials for DynamoBackend.open. */
  options: { endpoint: string; region: string; accessKey: string; secretKey: string };
  close(): Promise<void>;
}

// Tables become ACTIVE at once; the port is chosen by the OS and printed.
const SCRIPT = `
const server = require(process.argv[1])({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('disconnect', () => process.exit(0));
`;

/** Starts dynalite and waits until it listens. */
export async function startDynalite(): Promise<LocalDynamo> {
  const main = createRequire(import.meta.url).resolve('dynalite');
  const child = spawn(process.execPath, ['-e', SCRIPT, main], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}: ${stderr}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    options: { endpoint, region: 'us-east-1', accessKey: 'fake', secretKey: 'fake' },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
