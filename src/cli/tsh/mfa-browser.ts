/**
 * tsh's WebAuthn ceremonies through the browser, where no FIDO2 library is at hand (as Teleport's
 * newest tsh does): the challenge is left with the proxy (`POST /webapi/mfa/browser`), the link to
 * its page is printed (and opened unless `--browser=none`), and tsh waits for the answer the page
 * posts back, collecting it with a secret only it holds.
 */
import { spawn } from 'node:child_process';
import type { WebClient } from '../../api/client/index.js';
import { LimitExceededError } from '../../api/errors.js';
import type { Invocation } from '../framework/index.js';

/** How long tsh waits for the browser (the proxy keeps the request 5 minutes). */
const WAIT_MS = 5 * 60_000;

/**
 * Runs a `login` (navigator.credentials.get) or `register` (create) ceremony for `options` in the
 * browser; returns what the browser's security key answered.
 */
export async function browserCeremony(inv: Invocation, web: WebClient, proxyAddr: string, kind: 'login' | 'register', options: unknown): Promise<Record<string, unknown>> {
  const { id, secret } = await web.request<{ id: string; secret: string }>('POST', '/webapi/mfa/browser', { kind, options });
  const link = `https://${proxyAddr}/web/mfa/browser/${id}`;
  const what = kind === 'register' ? 'register your security key' : 'verify with your security key';
  inv.io.stderr.write(`To ${what}, open this link in a browser that can use the key (it opens by itself unless --browser=none):\n ${link}\n`);
  if (inv.flags.browser !== 'none') openBrowser(link);
  const end = Date.now() + WAIT_MS;
  while (Date.now() < end) {
    const r = await web.request<{ pending?: boolean; response?: Record<string, unknown> }>('GET', `/webapi/mfa/browser/${id}/response?secret=${encodeURIComponent(secret)}`);
    if (r.response) return r.response;
  }
  throw new LimitExceededError('no answer came from the browser within 5 minutes: run the command again');
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // The link is on the screen.
  }
}
