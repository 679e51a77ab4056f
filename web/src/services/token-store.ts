/**
 * The bearer token of the web session, kept in localStorage so every tab of the app shares it (the
 * session cookie is HttpOnly and shared by the browser). Tabs hear each other's renewals.
 */
const KEY = 'teleport-ts.bearer';

/** What is stored: the token, when it must be renewed by, and when the session ends. */
export interface StoredToken {
  token: string;
  /** Epoch ms when the bearer token expires. */
  expiresAt: number;
  /** Epoch ms when the session (its certificates) expires. */
  sessionExpires: number;
  /** Ms of inactivity after which the UI signs out (the cluster's web_idle_timeout); 0 or absent: never. */
  inactiveTimeout?: number;
}

/** The stored token, or undefined. */
export function getToken(): StoredToken | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as StoredToken | null;
    return v && typeof v.token === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Saves (or with undefined, forgets) the token. */
export function setToken(t: StoredToken | undefined): void {
  if (t) localStorage.setItem(KEY, JSON.stringify(t));
  else localStorage.removeItem(KEY);
}

/** Calls `fn` when another tab changes the token. Returns the unsubscribe function. */
export function onTokenChange(fn: () => void): () => void {
  const h = (e: StorageEvent) => {
    if (e.key === KEY) fn();
  };
  window.addEventListener('storage', h);
  return () => window.removeEventListener('storage', h);
}
