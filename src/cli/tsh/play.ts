/**
 * `tsh play <session-id> [--speed=0.5x|1x|2x|4x|8x] [--skip-idle-time] [-f pty|json|yaml|text|asciicast]`:
 * replays a recorded session streamed from the auth server through the proxy, on the terminal at
 * the recorded pace (pty, the default), or exported as Teleport's JSON/YAML events, plain text, or
 * asciicast v2. Needs `session` read on the recording (its participants, or the auditor role).
 * A database session plays as its statements after the client's prompt (api/db-playback.ts); its
 * json/yaml export is its audit events, as Teleport's.
 */
import { StringDecoder } from 'node:string_decoder';
import { playableEvents } from '../../api/db-playback.js';
import { BadParameterError, NotImplementedError } from '../../api/errors.js';
import type { CommandSpec, Invocation } from '../framework/index.js';
import { writeAsciicast, writeJSON, writeText, writeYAML, type OutputSink } from './play-formats.js';
import { playOnTerminal } from './play-terminal.js';
import { connectProxy, type TshCtx } from './tsh-context.js';

const SPEEDS: Record<string, number> = { '0.5x': 0.5, '1x': 1, '2x': 2, '4x': 4, '8x': 8 };
const FORMATS = ['pty', 'json', 'yaml', 'text', 'asciicast'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Thrown by the sink once the reader of stdout has gone (`tsh play -f text | head`). */
class ReaderGone extends Error {}

/** Stdout for the export: the process's byte stream with backpressure, else the CliIO (tests). */
function outputSink(inv: Invocation, ctx: TshCtx): OutputSink {
  const s = ctx.sys.stdout as (NodeJS.WritableStream & { writableNeedDrain?: boolean }) | undefined;
  if (!s) {
    const dec = new StringDecoder('utf8');
    return { write: (chunk) => inv.io.stdout.write(typeof chunk === 'string' ? chunk : dec.write(chunk)) };
  }
  let gone = false;
  s.on('error', () => (gone = true));
  return {
    write(chunk) {
      if (gone) throw new ReaderGone();
      if (s.write(chunk)) return;
      return new Promise<void>((resolve) => {
        const done = (): void => {
          s.off('drain', done);
          s.off('error', done);
          resolve();
        };
        s.on('drain', done);
        s.on('error', done);
      });
    },
  };
}

/** The command spec. */
export const playCommand: CommandSpec<TshCtx> = {
  name: 'play',
  help: 'Replay the recorded session (SSH, Kubernetes, PostgreSQL and MySQL).',
  args: [{ name: 'session-id', help: 'ID of the session to play', required: true }],
  flags: [
    { name: 'speed', type: 'string', default: '1x', enum: Object.keys(SPEEDS), help: 'Playback speed, applicable when streaming SSH sessions.' },
    { name: 'skip-idle-time', type: 'bool', help: 'Quickly skip over idle time, applicable when streaming SSH sessions.' },
    { name: 'format', short: 'f', type: 'string', default: 'pty', enum: FORMATS, help: 'Format output (pty, json, yaml, text, asciicast)' },
  ],
  async run(inv, ctx) {
    const sid = String(inv.args['session-id']);
    if (sid.endsWith('.tar')) throw new NotImplementedError('playing a downloaded recording file is not supported by this tsh; give the session ID');
    if (!UUID.test(sid)) throw new BadParameterError(`'${sid}' is not a valid session ID (must be GUID)`);
    const format = String(inv.flags.format);
    if (format !== 'pty' && inv.flags.speed !== '1x') inv.io.stderr.write('WARNING: --speed is not applicable for formats other than pty\n');
    const proxy = await connectProxy(inv, ctx);
    const out = outputSink(inv, ctx);
    try {
      const events = proxy.authClient().streamRecordingEvents(sid, { ...(ctx.sys.signal && { signal: ctx.sys.signal }) });
      switch (format) {
        case 'json':
          await writeJSON(events, out);
          break;
        case 'yaml':
          await writeYAML(events, out);
          break;
        case 'text':
          await writeText(playableEvents(events), out);
          break;
        case 'asciicast':
          await writeAsciicast(playableEvents(events), out);
          break;
        default:
          await playOnTerminal(playableEvents(events), {
            speed: SPEEDS[String(inv.flags.speed)] ?? 1,
            skipIdle: inv.flags['skip-idle-time'] === true,
            out,
            ...(ctx.sys.terminal && { terminal: ctx.sys.terminal, stdin: inv.io.stdin }),
            ...(ctx.sys.signal && { signal: ctx.sys.signal }),
          });
      }
    } catch (err) {
      if (!(err instanceof ReaderGone)) throw err;
    } finally {
      proxy.close();
    }
    return 0;
  },
};
