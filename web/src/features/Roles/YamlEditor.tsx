/**
 * A plain-text YAML editor with line numbers. A validation error marks its line: a highlighted row,
 * a marker in the gutter and the message beside the line; the full text is linked with
 * aria-describedby for screen readers.
 */
import { useEffect, useRef, useState } from 'react';

const LINE_PX = 20;
const PAD_PX = 12;

export function YamlEditor({ value, onChange, label, errorLine, errorText, errorId }: { value: string; onChange: (v: string) => void; label: string; errorLine?: number; errorText?: string; errorId?: string }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState(0);
  const lines = value.split('\n').length;
  useEffect(() => {
    // Bring the error into view and put the caret on its line.
    const ta = area.current;
    if (!ta || !errorLine) return;
    ta.scrollTop = Math.max(0, (errorLine - 4) * LINE_PX);
    const start = value.split('\n').slice(0, errorLine - 1).join('\n').length + (errorLine > 1 ? 1 : 0);
    ta.setSelectionRange(start, start);
  }, [errorLine, errorText]);
  const top = (n: number) => PAD_PX + (n - 1) * LINE_PX - scroll;
  return (
    <div className={`yaml-editor ${errorLine ? 'has-error' : ''}`}>
      <div className="yaml-gutter" aria-hidden="true">
        <div style={{ transform: `translateY(${-scroll}px)` }}>
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={i + 1 === errorLine ? 'gutter-line gutter-error' : 'gutter-line'}>
              {i + 1}
            </div>
          ))}
        </div>
      </div>
      <div className="yaml-body">
        {errorLine && <div className="yaml-error-line" style={{ top: top(errorLine) }} aria-hidden="true" />}
        {errorLine && errorText && (
          <div className="yaml-error-note" style={{ top: top(errorLine) }} aria-hidden="true">
            {errorText}
          </div>
        )}
        <textarea
          ref={area}
          aria-label={label}
          aria-invalid={errorText ? true : undefined}
          aria-describedby={errorText ? errorId : undefined}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          wrap="off"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => setScroll(e.currentTarget.scrollTop)}
          onKeyDown={(e) => {
            // Tab indents (two spaces) instead of leaving the editor; Escape then Tab leaves it.
            if (e.key === 'Tab' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && e.currentTarget.dataset.escaped !== '1') {
              e.preventDefault();
              const ta = e.currentTarget;
              const { selectionStart: s, selectionEnd: end } = ta;
              const next = value.slice(0, s) + '  ' + value.slice(end);
              onChange(next);
              requestAnimationFrame(() => ta.setSelectionRange(s + 2, s + 2));
            }
            e.currentTarget.dataset.escaped = e.key === 'Escape' ? '1' : '0';
          }}
        />
      </div>
    </div>
  );
}
