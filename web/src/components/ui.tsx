/** Small building blocks every page uses: buttons, fields, notices, chips, copyable code. */
import { useId, useState, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode } from 'react';

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

/** A button; `busy` disables it and says so to assistive technology. */
export function Button({ variant = 'secondary', busy, children, className, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button type="button" {...rest} className={`btn btn-${variant} ${className ?? ''}`} disabled={rest.disabled || busy} aria-busy={busy || undefined}>
      {busy && <span className="spinner spinner-sm" aria-hidden="true" />}
      {children}
    </button>
  );
}

/** A labelled input with an optional hint and error, wired with aria-describedby. */
export function Field({ label, hint, error, ...rest }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; error?: string }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...rest} aria-invalid={error ? true : undefined} aria-describedby={[hintId, errId].filter(Boolean).join(' ') || undefined} />
      {hint && (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      )}
      {error && (
        <div className="field-error" id={errId}>
          {error}
        </div>
      )}
    </div>
  );
}

/** A notice; errors are announced (role=alert). */
export function Alert({ kind = 'error', title, children }: { kind?: 'error' | 'info' | 'success' | 'warning'; title?: string; children?: ReactNode }) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {title && <strong className="alert-title">{title}</strong>}
      {children && <div>{children}</div>}
    </div>
  );
}

/** A loading indicator with a text for screen readers. */
export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}…</span>
    </div>
  );
}

/** What a page shows when it has nothing to list. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** The title row of a page, with its actions on the right. */
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="page-subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

/** A `name: value` label; clickable when `onClick` is given (adds it as a filter). */
export function LabelChip({ name, value, onClick, onRemove }: { name: string; value: string; onClick?: () => void; onRemove?: () => void }) {
  const text = `${name}: ${value}`;
  if (onRemove) {
    return (
      <span className="chip chip-active">
        {text}
        <button type="button" className="chip-remove" onClick={onRemove} aria-label={`Remove filter ${text}`}>
          ×
        </button>
      </span>
    );
  }
  if (onClick) {
    return (
      <button type="button" className="chip chip-button" onClick={onClick} title={`Filter by ${text}`}>
        {text}
      </button>
    );
  }
  return <span className="chip">{text}</span>;
}

/** Preformatted text with a copy button. */
export function CopyBlock({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => {
        setCopied(true);
        window.setTimeout(() => setCopied(false), 1500);
      },
      () => setCopied(false),
    );
  };
  return (
    <div className="copy-block">
      <code aria-label={label}>{text}</code>
      <Button variant="ghost" onClick={copy} aria-label={`Copy ${label}`}>
        {copied ? 'Copied' : 'Copy'}
      </Button>
    </div>
  );
}

/** "in 3 hours", "5 minutes ago": a relative time for an RFC 3339 string. */
export function relativeTime(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const ms = Date.parse(iso) - Date.now();
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (abs >= size * 0.95) {
      const n = Math.max(1, Math.round(abs / size));
      const s = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return ms >= 0 ? `in ${s}` : `${s} ago`;
    }
  }
  return ms >= 0 ? 'in less than a minute' : 'just now';
}
