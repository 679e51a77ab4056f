/**
 * One terminal: xterm.js in the browser, the SSH session on the node through the proxy's
 * websocket. The size follows the element (and so the window); Ctrl+Shift+C copies the selection,
 * Ctrl+Shift+V (or the browser's paste) pastes.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { TerminalSocket } from '../../services/terminal';
import { ceremonyError, sessionMFAResponse } from '../../services/mfa';

/** What a terminal reports to its tab. */
export interface TerminalStatus {
  hostname?: string;
  /** The session's login (known once a joined session's metadata arrives). */
  login?: string;
  state: 'connecting' | 'live' | 'ended';
  reason?: string;
}

const THEME = {
  background: '#0d1117',
  foreground: '#e6edf3',
  cursor: '#5eead4',
  selectionBackground: '#2f6f68',
  black: '#1f2430',
  brightBlack: '#6e7681',
  green: '#3fb950',
  brightGreen: '#56d364',
  blue: '#58a6ff',
  brightBlue: '#79c0ff',
  cyan: '#39c5cf',
  yellow: '#d29922',
  red: '#f85149',
  magenta: '#bc8cff',
};

export function TerminalView({
  site,
  serverId,
  login,
  join,
  active,
  onStatus,
}: {
  site: string;
  serverId: string;
  login: string;
  /** A live session to join, and as what. */
  join?: { sid: string; mode: string };
  active: boolean;
  onStatus: (s: TerminalStatus) => void;
}) {
  const el = useRef<HTMLDivElement>(null);
  const api = useRef<{ term: Terminal; fit: FitAddon }>(undefined);
  const report = useRef(onStatus);
  report.current = onStatus;
  const joinSid = join?.sid;
  const joinMode = join?.mode ?? 'observer';

  useEffect(() => {
    const host = el.current!;
    const joining = joinSid ? { sid: joinSid, mode: joinMode } : undefined;
    const term = new Terminal({
      cursorBlink: true,
      fontFamily: 'ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      lineHeight: 1.15,
      scrollback: 5000,
      theme: THEME,
      // Only a peer types into a joined session: the node drops an observer's keys anyway.
      disableStdin: joining !== undefined && joining.mode !== 'peer',
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    fit.fit();
    api.current = { term, fit };
    const end = (reason?: string) => {
      term.write(reason ? `\r\n\x1b[31m${reason}\x1b[0m\r\n` : '\r\n\x1b[2m[session ended]\x1b[0m\r\n');
      report.current({ state: 'ended', reason });
    };
    let socket: TerminalSocket | undefined;
    let closed = false;
    // require_session_mfa: the MFA answer goes with the request (joining needs none).
    (joining ? Promise.resolve(undefined) : sessionMFAResponse(site, (text) => term.write(`\x1b[2m${text}\x1b[0m\r\n`))).then(
      (mfa) => {
        if (closed) return;
        socket = new TerminalSocket(
          { site, serverId, login, cols: term.cols, rows: term.rows, ...(joining && { join: joining }), ...(mfa && { mfa }) },
          {
            onData: (b) => term.write(b),
            onSession: (meta) => report.current({ hostname: meta.server_hostname, login: meta.login, state: 'live' }),
            onEnd: end,
          },
        );
      },
      (err: unknown) => !closed && end(ceremonyError(err)),
    );
    const subs = [term.onData((d) => socket?.send(d)), term.onResize(({ cols, rows }) => socket?.resize(cols, rows))];
    term.attachCustomKeyEventHandler((e) => {
      if (!e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC') {
        // Copy the selection (and keep the browser from opening its inspector).
        e.preventDefault();
        if (e.type === 'keydown' && term.hasSelection()) void navigator.clipboard.writeText(term.getSelection());
        return false;
      }
      // Ctrl+Shift+V: the browser pastes into the terminal by itself; the key must not reach the shell.
      return e.code !== 'KeyV';
    });
    const observer = new ResizeObserver(() => {
      if (host.offsetParent !== null) fit.fit();
    });
    observer.observe(host);
    return () => {
      observer.disconnect();
      for (const s of subs) s.dispose();
      closed = true;
      socket?.close();
      term.dispose();
      api.current = undefined;
    };
  }, [site, serverId, login, joinSid, joinMode]);

  useEffect(() => {
    if (!active || !api.current) return;
    api.current.fit.fit();
    api.current.term.focus();
  }, [active]);

  return <div className="terminal-host" ref={el} data-testid="terminal" />;
}
