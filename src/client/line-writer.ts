/**
 * Output of a command run on many nodes at once: every line prefixed with `[hostname] `, whole
 * lines only (so nodes' lines never interleave mid-line), as Teleport's tsh writes them.
 */
import { StringDecoder } from 'node:string_decoder';

/** A line-prefixing sink; `end` flushes an unterminated last line with a newline. */
export interface LineWriter {
  write(chunk: Buffer | string): void;
  end(): void;
}

/** Lines longer than this are split, so one node cannot hold back the others forever. */
export const MAX_LABELED_LINE = 1024;

/** Prefix each line written to `out` with `[label] `. */
export function labeledLineWriter(out: (s: string) => void, label: string, maxLine = MAX_LABELED_LINE): LineWriter {
  const prefix = `[${label}] `;
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const flushLines = () => {
    for (;;) {
      const nl = pending.indexOf('\n');
      if (nl >= 0 && nl <= maxLine) {
        out(prefix + pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      } else if (pending.length > maxLine) {
        out(prefix + pending.slice(0, maxLine) + '\n');
        pending = pending.slice(maxLine);
      } else {
        return;
      }
    }
  };
  return {
    write(chunk) {
      pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      flushLines();
    },
    end() {
      pending += decoder.end();
      flushLines();
      if (pending !== '') out(prefix + pending + '\n');
      pending = '';
    },
  };
}
