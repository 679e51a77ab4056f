/**
 * The proxy's byte pipe: relay an SSH channel to a dialed target both ways, with
 * backpressure, the client's half-close passed on, and any error or close ending both sides. The
 * proxy sees only the bytes of the end-to-end session the client runs over it.
 */
import type { Duplex } from 'node:stream';
import { AccessDeniedError, ConnectionProblemError } from '../../api/errors.js';

/** How long queued bytes to the target may take to drain once the client has gone. */
const LINGER_MS = 5_000;

/** What a finished relay moved, and why it ended (undefined for a clean close). */
export interface RelayResult {
  /** Bytes from the client to the target. */
  sent: number;
  /** Bytes from the target to the client. */
  received: number;
  error?: Error;
}

/** Options of `relay`. */
export interface RelayOptions {
  /** Close the client's channel at once (without waiting for buffered data). */
  closeChannel(): void;
  /**
   * Bytes the client must start with (`SSH-2.0-` towards a node, as Teleport's proxy insists) so
   * the proxy cannot be used as a general TCP relay; a mismatch ends the relay with AccessDeniedError.
   */
  requirePrefix?: Buffer;
  /** Ends the relay (both sides at once), e.g. when the client's SSH connection is gone. */
  signal?: AbortSignal;
}

/**
 * Relay `channel` ⇄ `target` (a TCP socket, or a reverse tunnel's transport channel) until both
 * are done; resolves (never rejects) with the byte counts. Client EOF half-closes the target;
 * target EOF ends the channel once its data is sent.
 */
export function relay(channel: Duplex, target: Duplex, opts: RelayOptions): Promise<RelayResult> {
  return new Promise((resolve) => {
    const result: RelayResult = { sent: 0, received: 0 };
    let done = false;
    let prefixSeen = 0;
    const onAbort = () => finish(new ConnectionProblemError('the client connection is gone'));
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      if (error) result.error = error;
      channel.off('data', onChannelData);
      target.off('data', onTargetData);
      opts.signal?.removeEventListener('abort', onAbort);
      if (error || target.destroyed || target.writableFinished) {
        target.destroy();
      } else {
        // The client went first: let what it sent reach the target, then drop the socket.
        target.end();
        const t = setTimeout(() => target.destroy(), LINGER_MS);
        t.unref();
        target.once('close', () => clearTimeout(t));
      }
      opts.closeChannel();
      resolve(result);
    };

    const onChannelData = (chunk: Buffer) => {
      if (opts.requirePrefix && prefixSeen < opts.requirePrefix.length) {
        const want = opts.requirePrefix.subarray(prefixSeen, prefixSeen + chunk.length);
        if (!chunk.subarray(0, want.length).equals(want)) {
          return finish(new AccessDeniedError(`the client did not start with ${JSON.stringify(opts.requirePrefix.toString())}`));
        }
        prefixSeen += want.length;
      }
      result.sent += chunk.length;
      if (!target.write(chunk)) channel.pause();
    };
    const onTargetData = (chunk: Buffer) => {
      result.received += chunk.length;
      if (!channel.write(chunk)) target.pause();
    };
    channel.on('data', onChannelData);
    target.on('data', onTargetData);
    target.on('drain', () => channel.resume());
    channel.on('drain', () => target.resume());

    channel.on('end', () => target.end());
    // ssh2 sends EOF and CLOSE once everything written before end() is out.
    target.on('end', () => channel.end());
    target.on('error', (err: Error) => finish(new ConnectionProblemError(`connection to the target failed: ${err.message}`, { cause: err })));
    target.on('close', (hadError: boolean) => {
      if (hadError) finish(new ConnectionProblemError('connection to the target was reset'));
      else channel.end();
    });
    channel.on('error', (err: Error) => finish(err));
    channel.on('close', () => finish());
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
