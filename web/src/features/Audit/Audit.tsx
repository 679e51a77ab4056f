/** Audit log: events by time range and type, searchable, each one's JSON viewable. */
import type { AuditEvent } from '@api/audit-wire';
import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useSession } from '../../components/session-context';
import { ResourceTable } from '../../components/ResourceTable';
import { Button, PageHeader } from '../../components/ui';
import { describeEvent } from './describe';
import { RANGES, useAudit } from './useAudit';

function severity(code: string): 'ok' | 'warn' | 'err' {
  return code.endsWith('E') ? 'err' : code.endsWith('W') ? 'warn' : 'ok';
}

export function Audit() {
  const { site } = useSession();
  const s = useAudit(site);
  const [open, setOpen] = useState<AuditEvent>();
  return (
    <section>
      <PageHeader title="Audit log" subtitle="What happened in the cluster: logins, sessions, commands, changes. Newest first." />
      <div className="toolbar">
        <div className="search">
          <label htmlFor="audit-search" className="sr-only">
            Search events
          </label>
          <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
            <path d="M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM21 21l-5-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
          <input id="audit-search" type="search" placeholder="Search in events" value={s.text} onChange={(e) => s.setText(e.target.value)} />
        </div>
        <label className="inline-field">
          Time
          <select value={s.hours} onChange={(e) => s.setHours(Number(e.target.value))}>
            {RANGES.map((r) => (
              <option key={r.hours} value={r.hours}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          Type
          <select value={s.type} onChange={(e) => s.setType(e.target.value)}>
            <option value="">All events</option>
            {s.types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <Button className="btn-sm" onClick={() => void s.reload()} busy={s.busy}>
          Refresh
        </Button>
      </div>
      <ResourceTable
        items={s.shown}
        error={s.error}
        loadingLabel="Loading events"
        empty={{ title: 'No events', body: 'Nothing matches in this time range.' }}
        rowKey={(e) => e.uid}
        columns={[
          { header: 'Time', className: 'nowrap', cell: (e) => <time dateTime={e.time}>{new Date(e.time).toLocaleString()}</time> },
          {
            header: 'Event',
            cell: (e) => (
              <>
                <span className={`event-type sev-${severity(e.code)}`}>{e.event}</span>
                <span className="event-code">{e.code}</span>
              </>
            ),
          },
          { header: 'Description', cell: describeEvent },
          {
            header: 'Details',
            hideHeader: true,
            className: 'actions',
            cell: (e) => (
              <Button className="btn-sm" onClick={() => setOpen(e)} aria-label={`Details of ${e.event} at ${new Date(e.time).toLocaleString()}`}>
                Details
              </Button>
            ),
          },
        ]}
        footer={
          s.hasMore && (
            <div className="more">
              <Button onClick={() => void s.more()} busy={s.busy}>
                Load older events
              </Button>
            </div>
          )
        }
      />
      <Dialog open={Boolean(open)} wide title={open ? `${open.event} · ${open.code}` : ''} onClose={() => setOpen(undefined)}>
        {open && (
          <pre className="json" tabIndex={0} aria-label="Event JSON">
            {JSON.stringify(open, null, 2)}
          </pre>
        )}
      </Dialog>
    </section>
  );
}
