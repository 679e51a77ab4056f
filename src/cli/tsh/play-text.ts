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

/** Renders terminal output into lines of text. */
export class TerminalText {
  private readonly decoder = new StringDecoder('utf8');
  private state: State = 'text';
  private line: string[] = [];
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
    const text = this.line.join('').trimEnd() + '\n';
    this.line = [];
    this.col = 0;
    return text;
  }

  private put(ch: string): void {
    while (this.line.length < this.col) this.line.push(' ');
    this.line[this.col++] = ch;
  }

  private feed(s: string): string {
    let out = '';
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      switch (this.state) {
        case 'text':
          if (c === 0x1b) this.state = 'esc';
          else if (ch === '\n') out += this.takeLine();
          else if (ch === '\r') this.col = 0;
          else if (ch === '\b') this.col = Math.max(0, this.col - 1);
          else if (ch === '\t') do this.put(' '); while (this.col % 8 !== 0);
          else if (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0)) {
            this.put(ch);
            if (this.line.length >= MAX_LINE) out += this.takeLine();
          }
          break;
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
      }
    }
    return out;
  }

  /** The line-level CSI sequences; everything else (colors, cursor moves to other lines) is dropped. */
  private csi(final: string): void {
    if (this.params.startsWith('?') || this.params.startsWith('>')) return;
    const n = Math.max(1, Number.parseInt(this.params, 10) || 1);
    const p0 = Number.parseInt(this.params || '0', 10) || 0;
    switch (final) {
      case 'K':
        if (p0 === 0) this.line.length = Math.min(this.line.length, this.col);
        else if (p0 === 1) for (let i = 0; i <= this.col && i < this.line.length; i++) this.line[i] = ' ';
        else this.line = [];
        break;
      case 'C':
        this.col += n;
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'G':
        this.col = n - 1;
        break;
      case 'P':
        this.line.splice(this.col, n);
        break;
      case '@':
        if (this.col < this.line.length) this.line.splice(this.col, 0, ...' '.repeat(n));
        break;
      case 'X':
        for (let i = this.col; i < this.col + n && i < this.line.length; i++) this.line[i] = ' ';
        break;
    }
  }
}
