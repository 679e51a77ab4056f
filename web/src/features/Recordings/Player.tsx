/**
 * `/web/cluster/:site/session/:sid`: the recording in a read-only terminal with play/pause (Space),
 * a seek bar (arrow keys), speed, and text that can be selected and copied (Ctrl+C) while paused.
 */
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import { Alert, Spinner } from '../../components/ui';
import { Link, paths } from '../../router';
import { clock } from './useRecordings';
import { usePlayer } from './usePlayer';

const SPEEDS = [0.5, 1, 2, 4, 8];

export function Player({ site, sid }: { site: string; sid: string }) {
  const p = usePlayer(site, sid);
  const host = useRef<HTMLDivElement>(null);
  const ready = Boolean(p.events);
  const { attach, seekTo } = p;

  useEffect(() => {
    if (!ready || !host.current) return;
    const term = new Terminal({
      disableStdin: true,
      cursorBlink: false,
      scrollback: 2000,
      fontFamily: 'ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      theme: { background: '#0d1117', foreground: '#e6edf3', selectionBackground: '#2f6f68' },
    });
    term.open(host.current);
    term.attachCustomKeyEventHandler((e) => {
      if (e.type === 'keydown' && e.ctrlKey && e.code === 'KeyC' && term.hasSelection()) {
        void navigator.clipboard.writeText(term.getSelection());
        return false;
      }
      return true;
    });
    attach(term);
    seekTo(0);
    return () => {
      attach(undefined);
      term.dispose();
    };
  }, [ready, attach, seekTo]);

  return (
    <div className="player">
      <header className="console-bar">
        <Link href={paths.recordings(site)} className="console-back">
          <span aria-hidden="true">←</span> Recordings
        </Link>
        {p.info ? (
          <div className="player-meta" aria-label="Recording">
            {p.info.kube ? (
              <span className="player-who">
                <strong>{p.info.user}</strong> on <strong>{p.info.kube.cluster}</strong>: pod <span className="mono">{p.info.kube.pod}</span>
              </span>
            ) : (
              <span className="player-who">
                <strong>{p.info.user}</strong> as <span className="mono">{p.info.login}</span> on <strong>{p.info.hostname}</strong>
              </span>
            )}
            <span className="player-facts">
              <span>
                <span className="player-fact-name">Started</span>{' '}
                <time dateTime={p.info.start}>{new Date(p.info.start).toLocaleString()}</time>
              </span>
              <span>
                <span className="player-fact-name">Duration</span> <span className="mono">{clock(p.info.duration)}</span>
              </span>
              <span className="player-sid mono" title="Session ID">
                {sid}
              </span>
            </span>
          </div>
        ) : (
          <span className="player-title mono">{sid}</span>
        )}
      </header>
      {p.error && (
        <div className="player-error">
          <Alert title="The recording cannot be played">{p.error}</Alert>
        </div>
      )}
      {!p.events && !p.error && <Spinner label="Loading the recording" />}
      <div className="player-screen" ref={host} data-testid="player-screen" />
      {p.events && (
        <div
          className="player-controls"
          onKeyDown={(e) => {
            if (e.key === ' ' && (e.target as HTMLElement).tagName !== 'BUTTON') {
              e.preventDefault();
              p.toggle();
            }
          }}
        >
          <button type="button" className="play-button" onClick={p.toggle} aria-label={p.playing ? 'Pause' : 'Play'}>
            {p.playing ? '❚❚' : '▶'}
          </button>
          <span className="player-time mono" aria-live="off">
            {clock(p.pos)} / {clock(p.duration)}
          </span>
          <input
            type="range"
            className="seek"
            min={0}
            max={Math.max(1, p.duration)}
            step={100}
            value={p.pos}
            aria-label="Position"
            aria-valuetext={`${clock(p.pos)} of ${clock(p.duration)}`}
            onChange={(e) => {
              p.pause();
              seekTo(Number(e.target.value));
            }}
          />
          <label className="speed">
            <span className="sr-only">Speed</span>
            <select value={p.speed} onChange={(e) => p.setSpeed(Number(e.target.value))} aria-label="Speed">
              {SPEEDS.map((s) => (
                <option key={s} value={s}>
                  {s}×
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
    </div>
  );
}
