/** The console's tabs: each one terminal session; new tabs duplicate a target, closed ones end their session. */
import { useState } from 'react';
import type { TerminalStatus } from './TerminalView';

/** A tab. */
export interface ConsoleTab {
  key: number;
  serverId: string;
  login: string;
  /** Set for a tab joined to a live session. */
  join?: { sid: string; mode: string };
  status: TerminalStatus;
}

let nextKey = 1;

export function useConsole(first: { serverId: string; login: string; join?: { sid: string; mode: string } }) {
  const [tabs, setTabs] = useState<ConsoleTab[]>(() => [{ key: nextKey++, ...first, status: { state: 'connecting' } }]);
  // Undefined once every tab is closed. (The initial value is computed once: read on every render,
  // `tabs[0].key` threw when the last tab closed and blanked the page.)
  const [active, setActive] = useState<number | undefined>(() => tabs[0]?.key);

  const open = (t: { serverId: string; login: string }) => {
    const tab = { key: nextKey++, ...t, status: { state: 'connecting' as const } };
    setTabs((all) => [...all, tab]);
    setActive(tab.key);
  };
  const close = (key: number) => {
    const i = tabs.findIndex((t) => t.key === key);
    const rest = tabs.filter((t) => t.key !== key);
    setTabs((all) => all.filter((t) => t.key !== key));
    // The tab before the closed one (or the new first) takes its place.
    if (key === active) setActive(rest[Math.max(0, i - 1)]?.key);
  };
  const setStatus = (key: number, status: TerminalStatus) =>
    setTabs((all) => all.map((t) => (t.key === key ? { ...t, status: { ...t.status, ...status, hostname: status.hostname ?? t.status.hostname } } : t)));
  const current = tabs.find((t) => t.key === active);
  return { tabs, active, current, setActive, open, close, setStatus };
}
