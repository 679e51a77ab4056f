/** The `stdout://` audit sink: one JSON line per event on the process's stdout (for log shippers). Not searchable. */
import type { AuditEvent } from '../../api/audit-wire.js';
import type { EventSink } from '../audit-log.js';

/** Writes each event as a JSON line to `out` (default process.stdout). */
export class StdoutEventSink implements EventSink {
  readonly uri = 'stdout://';

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  write(event: AuditEvent): void {
    this.out.write(JSON.stringify(event) + '\n');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
