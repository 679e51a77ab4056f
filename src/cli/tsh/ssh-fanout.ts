/**
 * `tsh ssh <labels> <command>` on several nodes: the command runs on all of them at once, each
 * output line prefixed with `[hostname] `, then a summary in Teleport's words.
 */
import type { Node } from '../../api/types/node.js';
import { labeledLineWriter, type ProxyClient } from '../../client/index.js';
import type { CliIO } from '../framework/index.js';
import { exitCodeOf } from './ssh-session.js';

/** One node's outcome: an exit code, or why it could not run. */
interface Result {
  hostname: string;
  code?: number;
  error?: string;
}

/**
 * Run `command` as `login` on every node. Resolves with 0 when it succeeded everywhere, else the
 * first failing node's exit code (in listing order), or 1 when a node could not be reached.
 */
export async function runOnNodes(proxy: ProxyClient, nodes: Node[], command: string, login: string, port: number, io: CliIO): Promise<number> {
  const results = await Promise.all(
    nodes.map(async (node): Promise<Result> => {
      const hostname = node.spec.hostname || node.metadata.name;
      let client;
      try {
        client = await proxy.connectNode({ host: node.metadata.name, port, login });
      } catch (err) {
        io.stderr.write(`[${hostname}] ${(err as Error).message}\n`);
        return { hostname, error: (err as Error).message };
      }
      try {
        io.stdout.write(`Running command on ${hostname}:\n`);
        const out = labeledLineWriter((s) => io.stdout.write(s), hostname);
        const err = labeledLineWriter((s) => io.stderr.write(s), hostname);
        const proc = await client.exec(command);
        proc.stdin.end();
        proc.stdout.on('data', (d: Buffer) => out.write(d));
        proc.stderr.on('data', (d: Buffer) => err.write(d));
        const status = await proc.exit;
        out.end();
        err.end();
        return { hostname, code: exitCodeOf(status) };
      } catch (e) {
        io.stderr.write(`[${hostname}] ${(e as Error).message}\n`);
        return { hostname, error: (e as Error).message };
      } finally {
        client.close();
      }
    }),
  );
  const ran = results.filter((r) => r.code !== undefined);
  let summary = '\n';
  for (const r of ran) summary += r.code === 0 ? `[${r.hostname}] success\n` : `[${r.hostname}] failed with exit code ${r.code}\n`;
  const failed = ran.filter((r) => r.code !== 0).length;
  summary += `\n${ran.length - failed} host(s) succeeded; ${failed} host(s) failed\n`;
  io.stdout.write(summary);
  const firstFailure = ran.find((r) => r.code !== 0);
  if (firstFailure) return firstFailure.code!;
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}
