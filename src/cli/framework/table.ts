/**
 * Teleport's `lib/asciitable`: rows written through a tabwriter (minwidth 5, padding 1, spaces),
 * every cell followed by a tab, so each cell is padded to its column width plus one, trailing
 * spaces kept. A header row is followed by a row of `-` as long as the column's longest cell in
 * bytes (Go's len), while alignment counts code points, as Go's tabwriter does.
 */
import { tabwrite } from './tabwriter.js';

interface Column {
  title: string;
  /** Cells longer than this many bytes are cut and get `...`; 0 means never. */
  maxCellLength: number;
  /** Longest (truncated) cell or title in bytes. */
  width: number;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that does not split a character. */
function bytePrefix(s: string, maxBytes: number): string {
  let n = 0;
  let out = '';
  for (const ch of s) {
    const b = byteLength(ch);
    if (n + b > maxBytes) break;
    n += b;
    out += ch;
  }
  return out;
}

function truncateCell(col: Column, cell: string): string {
  if (col.maxCellLength === 0 || byteLength(cell) <= col.maxCellLength) return cell;
  return `${bytePrefix(cell, col.maxCellLength)}...`;
}

function render(columns: Column[], rows: string[][]): string {
  const cellsOf = (row: string[]): string[] => columns.map((c, i) => truncateCell(c, row[i] ?? ''));
  const body = rows.map(cellsOf);
  for (const r of body) r.forEach((cell, i) => (columns[i].width = Math.max(columns[i].width, byteLength(cell))));
  const headless = columns.every((c) => c.title === '');
  const lines: string[][] = [];
  if (!headless) {
    lines.push(columns.map((c) => c.title));
    lines.push(columns.map((c) => '-'.repeat(c.width)));
  }
  lines.push(...body);
  const text = lines.map((cells) => cells.map((c) => `${c}\t`).join('') + '\n').join('');
  return tabwrite(text, { minwidth: 5, padding: 1, padchar: ' ' });
}

function columnsFor(headers: string[]): Column[] {
  return headers.map((title) => ({ title, maxCellLength: 0, width: byteLength(title) }));
}

/**
 * A table with a header row and a dash row (`tctl users ls`). Rows shorter than the header are
 * padded with empty cells (Go would print `%!v(MISSING)`); extra cells are dropped.
 * A table whose headers are all empty prints no header, as Teleport's does.
 */
export function makeTable(headers: string[], rows: string[][]): string {
  return render(columnsFor(headers), rows);
}

/** A table without header and dash rows (`tctl status`). */
export function makeHeadlessTable(columns: number, rows: string[][]): string {
  return render(columnsFor(new Array<string>(columns).fill('')), rows);
}

/**
 * Teleport's MakeTableWithTruncatedColumn: the other columns get at most
 * (width - 16) / (columns - 1) bytes each and `truncatedColumn` gets what is left of `width`,
 * cells cut with `...` (`tsh ls` labels). Pass the terminal's width; Teleport falls back to 80.
 */
export function makeTableWithTruncatedColumn(headers: string[], rows: string[][], truncatedColumn: string, width = 80): string {
  const truncatedColMinSize = 16;
  const maxColWidth =
    headers.length > 1 ? Math.trunc((width - truncatedColMinSize) / (headers.length - 1)) : Number.POSITIVE_INFINITY;
  let totalLen = 0;
  const columns: Column[] = headers.map((title, idx) => {
    const col: Column = { title, maxCellLength: byteLength(title), width: byteLength(title) };
    if (title === truncatedColumn) return col;
    for (const row of rows) col.maxCellLength = Math.max(col.maxCellLength, byteLength(row[idx] ?? ''));
    if (col.maxCellLength > maxColWidth) {
      col.maxCellLength = maxColWidth;
      totalLen += col.maxCellLength + 4; // "...<space>"
    } else {
      totalLen += col.maxCellLength + 1; // column separator
    }
    return col;
  });
  for (const col of columns) {
    if (col.title === truncatedColumn) col.maxCellLength = Math.max(width - totalLen - '... '.length, 0);
  }
  return render(columns, rows);
}
