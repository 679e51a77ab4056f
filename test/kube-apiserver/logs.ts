/**
 * `pods/log`: the pod's log as text/plain, `tailLines` and `limitBytes` as the kubelet reads them,
 * and `follow=true` streaming what the pod writes until its main process ends or the client leaves.
 */
import type { ServerResponse } from 'node:http';
import type { PodRuntime } from './pods.js';

/** Answers a log request for `pod`. */
export function serveLogs(res: ServerResponse, pod: PodRuntime, q: URLSearchParams): void {
  let text = pod.logBytes();
  const tail = q.get('tailLines');
  if (tail !== null && Number(tail) >= 0) {
    const lines = text.toString('utf8').split(/(?<=\n)/);
    text = Buffer.from(lines.slice(Math.max(0, lines.length - Number(tail))).join(''));
  }
  const limit = q.get('limitBytes');
  if (limit !== null && Number(limit) > 0) text = text.subarray(0, Number(limit));
  const follow = q.get('follow') === 'true' || q.get('follow') === '1';
  res.writeHead(200, { 'Content-Type': 'text/plain', ...(follow ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': text.length }) });
  if (!follow) {
    res.end(text);
    return;
  }
  res.write(text);
  const more = (d: Buffer) => res.write(d);
  const done = () => res.end();
  pod.events.on('log', more);
  pod.events.once('main-exit', done);
  if (pod.mainExit !== undefined) res.end();
  res.on('close', () => {
    pod.events.off('log', more);
    pod.events.off('main-exit', done);
  });
}
