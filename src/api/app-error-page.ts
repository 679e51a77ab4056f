/**
 * The error page application access answers with when it cannot serve a request (the app is down
 * or slow, the host names no app, access is denied, the session expired): HTML for browsers, JSON
 * (`{error: {message}}`, as every other API error) for everything else. Shared by the proxy and
 * the application agent so a user sees one kind of page whichever of them refused.
 */

const TITLE: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in',
  403: 'Access denied',
  404: 'Application not found',
  413: 'Request too large',
  431: 'Request headers too large',
  502: 'Application unavailable',
  503: 'Application unavailable',
  504: 'Application did not answer in time',
};

function escapeHTML(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The status, headers and body of an error page for a client that sent `accept`. */
export function appErrorPage(status: number, message: string, accept: string | undefined): { status: number; headers: Record<string, string>; body: string } {
  const title = TITLE[status] ?? 'Error';
  if ((accept ?? '').includes('text/html')) {
    const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHTML(title)}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${escapeHTML(title)}</h1><p id="teleport-app-error">${escapeHTML(message)}</p></body></html>\n`;
    return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-teleport-app-error': '1' }, body };
  }
  return { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-teleport-app-error': '1' }, body: JSON.stringify({ error: { message } }) };
}
