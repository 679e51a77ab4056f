import { describe, expect, it } from 'vitest';
import { AccessDeniedError, BadParameterError, NotFoundError, TeleportError } from '../../api/errors.js';
import { captureIO } from './io.js';
import { DEBUG_HINT, escapeControl, ExitCodeError, reportError, UsageError } from './report-error.js';

function report(err: unknown, debug = false, tty = false) {
  const c = captureIO(tty ? { tty: {} } : {});
  const code = reportError(err, c.io, { debug });
  return { code, out: c.out(), err: c.err() };
}

describe('reportError', () => {
  it.each([
    new NotFoundError('user "bob" not found'),
    new AccessDeniedError('access denied to perform action "create" on "role"'),
    new BadParameterError('--ttl must be at most 48h'),
    new UsageError("unknown long flag '--foo'"),
  ])('prints a user error as one line, exit 1: %s', (e) => {
    expect(report(e)).toEqual({ code: 1, out: '', err: `ERROR: ${e.message}\n` });
  });

  it('treats a plain Error as a bug: message plus a hint, no stack', () => {
    const r = report(new Error('boom'));
    expect(r).toEqual({ code: 1, out: '', err: `ERROR: boom\n${DEBUG_HINT}\n` });
  });

  it('treats an internal TeleportError as a bug too', () => {
    expect(report(new TeleportError('internal', 'state corrupted')).err).toBe(`ERROR: state corrupted\n${DEBUG_HINT}\n`);
  });

  it('prints the stack and causes in debug mode', () => {
    const root = new Error('socket hang up');
    const r = report(new Error('dial auth', { cause: root }), true);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ERROR: dial auth\n\nError: dial auth\n\s+at .*\n/);
    expect(r.err).toMatch(/\nCaused by: Error: socket hang up\n\s+at /);
    expect(r.err).not.toContain(DEBUG_HINT);
  });

  it('reports thrown non-errors', () => {
    expect(report('oops').err).toBe(`ERROR: oops\n${DEBUG_HINT}\n`);
    expect(report({ code: 7 }).err).toBe(`ERROR: {"code":7}\n${DEBUG_HINT}\n`);
  });

  it('returns an ExitCodeError code silently', () => {
    expect(report(new ExitCodeError(255))).toEqual({ code: 255, out: '', err: '' });
  });

  it('colors the label on a terminal', () => {
    expect(report(new NotFoundError('x'), false, true).err).toBe('\x1b[31mERROR: \x1b[0mx\n');
  });

  it('quotes messages carrying control characters, keeping newlines', () => {
    expect(report(new BadParameterError('bad \x1b[31mred\nsecond line')).err).toBe('ERROR: "bad \\x1b[31mred"\nsecond line\n');
  });

  it('says where to look when the message is empty', () => {
    expect(report(new NotFoundError('')).err).toBe("ERROR: please check Teleport's log for more details\n");
  });
});

describe('escapeControl', () => {
  it.each([
    ['plain text, ünïcødé ⟵', 'plain text, ünïcødé ⟵'],
    ['a\x07b', '"a\\ab"'],
    ['tab\there', '"tab\\there"'],
    ['"q"\x00', '"\\"q\\"\\x00"'],
    ['\u200b', '"\\u200b"'],
  ])('%j -> %s', (input, want) => {
    expect(escapeControl(input)).toBe(want);
  });
});
