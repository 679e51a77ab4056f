/** The centered card of the public pages (sign in, invite, reset). */
import type { ReactNode } from 'react';

export function AuthCard({ title, subtitle, children, wide }: { title: string; subtitle?: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className="auth-page">
      <main className={`auth-card ${wide ? 'auth-card-wide' : ''}`}>
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          <span>Teleport-TS</span>
        </div>
        <h1>{title}</h1>
        {subtitle && <p className="auth-subtitle">{subtitle}</p>}
        {children}
      </main>
      <p className="auth-foot">Access to servers with short-lived certificates. Every session is recorded.</p>
    </div>
  );
}
