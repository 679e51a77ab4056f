import { describe, expect, it } from 'vitest';
import type { ParticipantMode } from '../rbac/index.js';
import type { ExitStatus } from '../sshutils/index.js';
import { LiveSession, LiveSessions, type SessionParty } from './live-session.js';
import type { OutputTap } from './session-recorder.js';

const info = { id: 'sid', owner: 'alice', ownerRoles: ['access'], login: 'root', kind: 'ssh' as const };

class FakeParty implements SessionParty {
  out: Buffer[] = [];
  exit: ExitStatus | undefined;
  full = false;
  private release: (() => void) | undefined;
  constructor(
    readonly id: string,
    readonly mode: ParticipantMode,
    readonly user = 'bob',
  ) {}
  write(data: Buffer): boolean {
    this.out.push(Buffer.from(data));
    return !this.full;
  }
  drained(): Promise<void> {
    return new Promise((r) => (this.release = r));
  }
  drain(): void {
    this.full = false;
    this.release?.();
  }
  end(exit: ExitStatus): void {
    this.exit = exit;
  }
  text(): string {
    return Buffer.concat(this.out).toString();
  }
}

describe('LiveSession', () => {
  it('sends a late joiner the recent output, then everything after, and records every byte', () => {
    const recorded: Buffer[] = [];
    const tap: OutputTap = { write: (d) => (recorded.push(d), true), drained: async () => {} };
    const s = new LiveSession(info, tap);
    s.write(Buffer.from('$ echo before\r\nbefore\r\n'));
    const p = new FakeParty('p1', 'observer');
    expect(s.join(p)).toBe(true);
    expect(p.text()).toBe('$ echo before\r\nbefore\r\n');
    s.write(Buffer.from('after\r\n'));
    expect(p.text()).toBe('$ echo before\r\nbefore\r\nafter\r\n');
    expect(Buffer.concat(recorded).toString()).toBe('$ echo before\r\nbefore\r\nafter\r\n');
  });

  it('keeps only the last recentLimit bytes for joiners', () => {
    const s = new LiveSession(info, undefined, 10);
    s.write(Buffer.from('0123456789'));
    s.write(Buffer.from('abcdef'));
    const p = new FakeParty('p1', 'observer');
    s.join(p);
    expect(p.text()).toBe('6789abcdef');
  });

  it('forwards a peer’s keystrokes to the terminal and drops an observer’s and a moderator’s', () => {
    const typed: string[] = [];
    const s = new LiveSession(info);
    s.setInput((d) => typed.push(d.toString()));
    const observer = new FakeParty('o', 'observer');
    const moderator = new FakeParty('m', 'moderator');
    const peer = new FakeParty('p', 'peer');
    for (const p of [observer, moderator, peer]) s.join(p);
    expect(s.inputFrom('o', Buffer.from('rm -rf /\r'))).toBe(false);
    expect(s.inputFrom('m', Buffer.from('x'))).toBe(false);
    expect(s.inputFrom('p', Buffer.from('ls\r'))).toBe(true);
    expect(s.inputFrom('gone', Buffer.from('y'))).toBe(false);
    expect(typed).toEqual(['ls\r']);
  });

  it('asks the terminal to pause while a party is full, until it drains', async () => {
    const s = new LiveSession(info);
    const p = new FakeParty('p', 'observer');
    s.join(p);
    p.full = true;
    expect(s.write(Buffer.from('x'))).toBe(false);
    let resumed = false;
    const waiting = s.drained().then(() => (resumed = true));
    await Promise.resolve();
    expect(resumed).toBe(false);
    p.drain();
    await waiting;
    expect(resumed).toBe(true);
    expect(s.write(Buffer.from('y'))).toBe(true);
  });

  it('closes every party with the exit status at the end and refuses joins after it', () => {
    const reg = new LiveSessions();
    const s = new LiveSession(info);
    reg.add(s);
    const a = new FakeParty('a', 'observer');
    const b = new FakeParty('b', 'peer', 'carol');
    s.join(a);
    s.join(b);
    expect(s.leave('b')).toBe(true);
    expect(s.leave('b')).toBe(false);
    s.end({ code: 3 });
    s.end({ code: 4 });
    expect(a.exit).toEqual({ code: 3 });
    expect(b.exit).toBeUndefined();
    expect(s.join(new FakeParty('c', 'observer'))).toBe(false);
    expect(reg.get('sid')).toBeUndefined();
    expect(s.joinedUsers()).toEqual(['bob', 'carol']);
  });
});
