/** The logged-in user's context, for every page behind the login. */
import type { UserContext } from '@api/web-wire';
import { createContext, useContext } from 'react';

/** What authenticated pages get. */
export interface SessionValue {
  user: UserContext;
  site: string;
  logout(): void;
}

export const SessionCtx = createContext<SessionValue | undefined>(undefined);

/** The session; only under <Authenticated>. */
export function useSession(): SessionValue {
  const v = useContext(SessionCtx);
  if (!v) throw new Error('useSession outside an authenticated page');
  return v;
}
