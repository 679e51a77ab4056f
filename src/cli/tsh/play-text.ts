/**
 * A session's terminal output as plain text (`tsh play --format=text`): escape sequences (CSI,
 * OSC, DCS, charset selection) and control characters are dropped, and each line is rendered the
 * way the terminal left it — carriage returns, backspaces, erase-in-line and character
 * insert/delete applied — so progress bars and line editing come out as their final text.
 * Full-screen programs (vi, top) position the cursor anywhere; their text is kept in the order it
 * was drawn. Streaming: feed bytes, take the finished lines; memory is one line.
 */
import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is emitted as it stands (binary garbage, a never-ending progress line). */
const MAX_LINE = 16 * 1024;

type State = 'text' | 'esc' | 'escArg' | 'csi' | 'osc' | 'oscEsc' | 'str' | 'strEsc';

/** C0 and C1 controls, DEL and ESC: everything that is not printed as is. */
const SPECIAL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Renders terminal output into lines of text. Runs of printable characters are handled as whole
 * strings (the common case), escape sequences one character at a time. Columns count UTF-16 code
 * units, a fair stand-in for the terminal's cells in logs and shell sessions.
 */
export class TerminalText {
  private readonly decoder = new StringDecoder('utf8');
  private state: State = 'text';
  private line = '';
  private col = 0;
  private params = '';

  /** Feeds output bytes; returns the lines they completed, each ending in `\n`. */
  write(data: Buffer): string {
    return this.feed(this.decoder.write(data));
  }

  /** Ends the output: returns what remains (the last, unfinished line with a newline). */
  end(): string {
    const out = this.feed(this.decoder.end());
    return this.line.length > 0 ? out + this.takeLine() : out;
  }

  private takeLine(): string {
    const text = this.line.trimEnd() + '\n';
    this.line = '';
    this.col = 0;
    return text;
  }

  /** Writes `run` at the cursor, overwriting what is there. */
  private put(run: string): void {
    const { line, col } = this;
    if (col === line.length) this.line = line + run;
    else if (col > line.length) this.line = line + ' '.repeat(col - line.length) + run;
    else this.line = line.slice(0, col) + run + line.slice(col + run.length);
    this.col = col + run.length;
  }

  private feed(s: string): string {
    let out = '';
    let i = 0;
    while (i < s.length) {
      if (this.state !== 'text') {
        this.escape(s[i++]);
        continue;
      }
      SPECIAL.lastIndex = i;
      const m = SPECIAL.exec(s);
      const j = m ? m.index : s.length;
      if (j > i) {
        this.put(s.slice(i, j));
        if (this.line.length >= MAX_LINE) out += this.takeLine();
      }
      if (!m) break;
      const ch = s[j];
      i = j + 1;
      if (ch === '\x1b') this.state = 'esc';
      else if (ch === '\n') out += this.takeLine();
      else if (ch === '\r') this.col = 0;
      else if (ch === '\b') this.col = Math.max(0, this.col - 1);
      else if (ch === '\t') this.put(' '.repeat(8 - (this.col % 8)));
    }
    return out;
  }

  /** One character of an escape sequence. */
  private escape(ch: string): void {
    const c = ch.charCodeAt(0);
    switch (this.state) {
      case 'esc':
        if (ch === '[') {
          this.state = 'csi';
          this.params = '';
        } else if (ch === ']') this.state = 'osc';
        else if ('PX^_'.includes(ch)) this.state = 'str';
        else if ('()*+-./#% '.includes(ch)) this.state = 'escArg';
        else this.state = 'text';
        break;
      case 'escArg':
        this.state = 'text';
        break;
      case 'csi':
        if (c >= 0x40 && c <= 0x7e) {
          this.csi(ch);
          this.state = 'text';
        } else if (c < 0x20 || c > 0x7e) this.state = 'text';
        else this.params += ch;
        break;
      case 'osc':
        if (c === 0x07) this.state = 'text';
        else if (c === 0x1b) this.state = 'oscEsc';
        break;
      case 'oscEsc':
        this.state = ch === '\\' ? 'text' : 'osc';
        break;
      case 'str':
        if (c === 0x1b) this.state = 'strEsc';
        break;
      case 'strEsc':
        this.state = ch === '\\' ? 'text' : 'str';
        break;
      case 'text':
        break;
    }
  }

  /** The line-level CSI sequences; everything else (colors, cursor moves to other lines) is dropped. */
  private csi(final: string): void {
    if (this.params.startsWith('?') || this.params.startsWith('>')) return;
    const n = Math.max(1, Number.parseInt(this.params, 10) || 1);
    const p0 = Number.parseInt(this.params || '0', 10) || 0;
    const { line, col } = this;
    switch (final) {
      case 'K':
        if (p0 === 0) this.line = line.slice(0, col);
        else if (p0 === 1) this.line = ' '.repeat(Math.min(col + 1, line.length)) + line.slice(col + 1);
        else this.line = '';
        break;
      case 'C':
        this.col += n;
        break;
      case 'D':
        this.col = Math.max(0, col - n);
        break;
      case 'G':
        this.col = n - 1;
        break;
      case 'P':
        this.line = line.slice(0, col) + line.slice(col + n);
        break;
      case '@':
        if (col < line.length) this.line = line.slice(0, col) + ' '.repeat(n) + line.slice(col);
        break;
      case 'X':
        if (col < line.length) this.line = line.slice(0, col) + ' '.repeat(Math.min(n, line.length - col)) + line.slice(col + n);
        break;
    }
  }
}
