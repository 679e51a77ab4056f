/**
 * `/web/cluster/:site/console/node/:serverId/:login`: terminals in tabs. The tab a "Connect" click
 * opened comes first; "New tab" opens another session to the same server.
 */
import { useEffect, type KeyboardEvent } from 'react';
import { Link, paths } from '../../router';
import { TerminalView } from './TerminalView';
import { useConsole, type ConsoleTab } from './useConsole';

function title(t: ConsoleTab): string {
  const where = `${t.status.login ?? t.login}@${t.status.hostname ?? t.serverId}`;
  return t.join ? `${where} (${t.join.mode})` : where;
}

/** `join`: the tab joins that live session instead of opening one (from the Active sessions page). */
export function Console({ site, serverId, login, join }: { site: string; serverId: string; login: string; join?: { sid: string; mode: string } }) {
  const c = useConsole({ serverId, login, ...(join && { join }) });
  useEffect(() => {
    document.title = c.current ? `${title(c.current)} · Teleport-TS` : 'Console · Teleport-TS';
  }, [c.current]);
  const keys = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = c.tabs.findIndex((t) => t.key === c.active);
    if (e.key === 'ArrowRight' && c.tabs.length > 0) c.setActive(c.tabs[(i + 1) % c.tabs.length].key);
    if (e.key === 'ArrowLeft' && c.tabs.length > 0) c.setActive(c.tabs[(i - 1 + c.tabs.length) % c.tabs.length].key);
  };
  return (
    <div className="console">
      <header className="console-bar">
        {join ? (
          <Link href={paths.activeSessions(site)} className="console-back">
            <span aria-hidden="true">←</span> Active sessions
          </Link>
        ) : (
          <Link href={paths.resources(site)} className="console-back">
            <span aria-hidden="true">←</span> Resources
          </Link>
        )}
        <div className="tabs" role="tablist" aria-label="Terminal sessions" onKeyDown={keys}>
          {c.tabs.map((t) => (
            <div key={t.key} className={`tab ${t.key === c.active ? 'tab-active' : ''}`}>
              <button
                type="button"
                role="tab"
                id={`tab-${t.key}`}
                aria-selected={t.key === c.active}
                aria-controls={`panel-${t.key}`}
                tabIndex={t.key === c.active ? 0 : -1}
                className="tab-label"
                onClick={() => c.setActive(t.key)}
              >
                <span className={`status-dot status-${t.status.state}`} aria-hidden="true" />
                {title(t)}
                {t.status.state === 'ended' && <span className="sr-only"> (ended)</span>}
              </button>
              <button type="button" className="tab-close" aria-label={`Close ${title(t)}`} onClick={() => c.close(t.key)}>
                ×
              </button>
            </div>
          ))}
        </div>
        {c.current && !c.current.join && (
          <button type="button" className="btn btn-ghost btn-sm console-new" onClick={() => c.open({ serverId: c.current!.serverId, login: c.current!.login })}>
            + New tab
          </button>
        )}
        <span className="console-hint">Copy: Ctrl+Shift+C · Paste: Ctrl+Shift+V</span>
      </header>
      <div className="console-panels">
        {c.tabs.map((t) => (
          <div key={t.key} role="tabpanel" id={`panel-${t.key}`} aria-labelledby={`tab-${t.key}`} className="console-panel" hidden={t.key !== c.active}>
            <TerminalView site={site} serverId={t.serverId} login={t.login} {...(t.join && { join: t.join })} active={t.key === c.active} onStatus={(s) => c.setStatus(t.key, s)} />
          </div>
        ))}
        {c.tabs.length === 0 && (
          <div className="console-empty">
            <p>All sessions are closed.</p>
            <Link href={paths.resources(site)} className="btn btn-primary">
              Back to resources
            </Link>
          </div>
        )}
      </div>
    </div>
  );
}
