/**
 * Plain HTTP that reached a TLS port (`http://proxy:3080` typed into a browser or a health check
 * without TLS): a GET or HEAD is redirected to the same URL over HTTPS, anything else gets a 400
 * saying to use HTTPS, as Go's HTTPS servers answer. One request, then the connection ends.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../../log/index.js';

/** Longest request head read before answering. */
const MAX_HEAD = 8 * 1024;

/** Reads the request head (bounded in size and time) and answers it. */
export function answerHTTPOnTLSPort(sock: Socket, timeoutMs: number, log: Logger): void {
  let head = '';
  const timer = setTimeout(() => done(), timeoutMs);
  timer.unref();
  const onData = (chunk: Buffer) => {
    head += chunk.toString('latin1');
    if (head.includes('\r\n\r\n') || head.length >= MAX_HEAD) done();
  };
  const done = () => {
    clearTimeout(timer);
    sock.off('data', onData);
    const [requestLine = '', ...lines] = head.split('\r\n');
    const [method = '', target = '/'] = requestLine.split(' ');
    const host = lines.find((l) => /^host:/i.test(l))?.slice(5).trim() ?? '';
    const safeHost = /^[\w.-]+(:\d+)?$|^\[[\da-fA-F:.]+\](:\d+)?$/.test(host) ? host : '';
    const path = target.startsWith('/') && !/[\r\n\s]/.test(target) ? target : '/';
    if ((method === 'GET' || method === 'HEAD') && safeHost) {
      const location = `https://${safeHost}${path}`;
      const body = `Client sent an HTTP request to an HTTPS server: use ${location}\n`;
      sock.end(
        `HTTP/1.1 301 Moved Permanently\r\nLocation: ${location}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${method === 'HEAD' ? '' : body}`,
      );
      log.info({ method, location }, 'plain HTTP on the TLS port: redirected to HTTPS');
      return;
    }
    const body = 'Client sent an HTTP request to an HTTPS server.\n';
    sock.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    log.info({ method }, 'plain HTTP on the TLS port: answered 400, use HTTPS');
  };
  sock.on('data', onData);
  sock.resume();
}
