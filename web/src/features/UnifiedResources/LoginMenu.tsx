/** "Connect": a menu of the logins the user may use on a node (keyboard: arrows, Enter, Escape). */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

export function LoginMenu({ hostname, logins, onPick }: { hostname: string; logins: string[]; onPick: (login: string) => void }) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    box.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  const keys = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(box.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      setOpen(false);
      button.current?.focus();
    } else if (e.key === 'ArrowDown' && items.length > 0) {
      e.preventDefault();
      items[(i + 1) % items.length].focus();
    } else if (e.key === 'ArrowUp' && items.length > 0) {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length].focus();
    }
  };
  const pick = (login: string) => {
    setOpen(false);
    onPick(login);
  };
  if (logins.length === 0) {
    return (
      <span className="muted small" title="Your roles allow no login on this server">
        No logins
      </span>
    );
  }
  return (
    <div className="menu-wrap" ref={box} onKeyDown={keys}>
      <button
        ref={button}
        type="button"
        className="btn btn-secondary btn-sm"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={`Connect to ${hostname}`}
        onClick={() => setOpen((o) => !o)}
      >
        Connect
        <span aria-hidden="true" className="caret">
          ▾
        </span>
      </button>
      {open && (
        <div className="menu" id={menuId} role="menu" aria-label={`Logins on ${hostname}`}>
          <div className="menu-title">Log in as</div>
          {logins.map((l) => (
            <button key={l} type="button" role="menuitem" className="menu-item" onClick={() => pick(l)}>
              {l}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
