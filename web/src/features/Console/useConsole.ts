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
  const [active, setActive] = useState(tabs[0].key);

  const open = (t: { serverId: string; login: string }) => {
    const tab = { key: nextKey++, ...t, status: { state: 'connecting' as const } };
    setTabs((all) => [...all, tab]);
    setActive(tab.key);
  };
  const close = (key: number) => {
    setTabs((all) => {
      const i = all.findIndex((t) => t.key === key);
      const rest = all.filter((t) => t.key !== key);
      if (key === active && rest.length > 0) setActive(rest[Math.max(0, i - 1)].key);
      return rest;
    });
  };
  const setStatus = (key: number, status: TerminalStatus) =>
    setTabs((all) => all.map((t) => (t.key === key ? { ...t, status: { ...t.status, ...status, hostname: status.hostname ?? t.status.hostname } } : t)));
  const current = tabs.find((t) => t.key === active);
  return { tabs, active, current, setActive, open, close, setStatus };
}
