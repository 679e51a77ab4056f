/**
 * Go's text/tabwriter (left-aligned, space padding, no flags), reimplemented so our tables match
 * Teleport's byte for byte. Tab-terminated cells form columns; a column block is a run of adjacent
 * lines that all have that cell; a block's width is max(minwidth, widest cell + padding), cell
 * width counted in code points (Go counts runes). The cell after a line's last tab is not aligned.
 */

/** The tabwriter settings that matter when padding with a non-tab character. */
export interface TabwriterOptions {
  minwidth: number;
  padding: number;
  padchar: string;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Align `text` as a Go tabwriter with these options would write it after Flush. */
export function tabwrite(text: string, opts: TabwriterOptions): string {
  const rawLines = text.split(/\n|\f/);
  // The segment after the final newline is the unterminated last line; empty means no cells.
  const lines: string[][] = rawLines.map((l, i) => (i === rawLines.length - 1 && l === '' ? [] : l.split(/\t|\v/)));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i];
      cells.forEach((cell, j) => {
        out.push(cell);
        if (j < widths.length) out.push(opts.padchar.repeat(Math.max(0, widths[j] - runeCount(cell))));
      });
      if (i + 1 < lines.length) out.push('\n');
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue;
      // A cell exists in this column: lines before it are done at the current depth.
      writeLines(line0, t);
      line0 = t;
      let width = opts.minwidth;
      for (; t < line1; t++) {
        const cells = lines[t];
        if (column >= cells.length - 1) break;
        width = Math.max(width, runeCount(cells[column]) + opts.padding);
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('');
}
