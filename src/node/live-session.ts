/**
 * A live interactive session as a party of several connections (Teleport's session + parties): the
 * owner's terminal output is fanned out to every joined party (and to the recording), the last
 * screenful is kept so a party that joins late does not stare at a blank terminal, peers' keystrokes
 * go to the terminal, and the session's end closes every party with its exit status. The owner's
 * own channel stays bound to the process directly (pty-process.ts); only joiners are parties here.
 */
import type { ParticipantMode } from '../rbac/index.js';
import type { ExitStatus } from '../sshutils/index.js';
import type { OutputTap, RecordedParty, SessionRecording } from './session-recorder.js';

/** How much recent output a joining party is sent first. */
export const RECENT_OUTPUT_BYTES = 16 * 1024;

/** One joined connection. */
export interface SessionParty {
  readonly id: string;
  readonly user: string;
  readonly mode: ParticipantMode;
  /** Output to the party; false asks the terminal to pause until `drained()`. */
  write(data: Buffer): boolean;
  /** Resolves when the party can take more output, or has gone. */
  drained(): Promise<void>;
  /** The session ended with `exit`: tell the party and close it. */
  end(exit: ExitStatus): void;
}

/** What a live session is, for joins and their authorization. */
export interface LiveSessionInfo {
  id: string;
  /** Teleport user who started it. */
  owner: string;
  /** The owner's role names (the tracker's host policies). */
  ownerRoles: string[];
  /** The OS login it runs as. */
  login: string;
  /** Teleport session kind. */
  kind: 'ssh';
}

/** A live session's parties and output fan-out; the process's output tap. */
export class LiveSession implements OutputTap {
  private readonly parties = new Map<string, SessionParty>();
  private readonly joined: string[] = [];
  private recent: Buffer[] = [];
  private recentBytes = 0;
  private waits: Promise<void>[] = [];
  private input: ((data: Buffer) => void) | undefined;
  private exit: ExitStatus | undefined;

  /** `tap` (the recording) sees every byte before the parties do, and every join and leave. */
  constructor(
    readonly info: LiveSessionInfo,
    private readonly tap?: OutputTap & Pick<SessionRecording, 'party'>,
    private readonly recentLimit = RECENT_OUTPUT_BYTES,
  ) {}

  /** Where peers' keystrokes go (the terminal), once the process runs. */
  setInput(write: (data: Buffer) => void): void {
    this.input = write;
  }

  /** Terminal output: kept as recent history, recorded, sent to every party. */
  write(data: Buffer): boolean {
    this.remember(data);
    this.waits = [];
    if (this.tap && !this.tap.write(data)) this.waits.push(this.tap.drained());
    for (const p of this.parties.values()) if (!p.write(data)) this.waits.push(p.drained());
    return this.waits.length === 0;
  }

  /** Resolves when the recording and every party that asked for a pause have caught up. */
  async drained(): Promise<void> {
    await Promise.all(this.waits);
  }

  /** Whether the session has ended. */
  get ended(): boolean {
    return this.exit !== undefined;
  }

  /**
   * Adds `party`: it is sent the recent output first, then everything after. Returns false (and adds
   * nothing) when the session has already ended.
   */
  join(party: SessionParty): boolean {
    if (this.ended) return false;
    if (this.recentBytes > 0) party.write(Buffer.concat(this.recent));
    this.parties.set(party.id, party);
    if (!this.joined.includes(party.user)) this.joined.push(party.user);
    return true;
  }

  /** Tells the recording a party joined or left. */
  recordParty(p: RecordedParty): void {
    this.tap?.party?.(p);
  }

  /** Removes a party; false when it was not (or no longer) in the session. */
  leave(partyId: string): boolean {
    return this.parties.delete(partyId);
  }

  /** Keystrokes from a party: a peer's go to the terminal, an observer's or moderator's are dropped. */
  inputFrom(partyId: string, data: Buffer): boolean {
    const p = this.parties.get(partyId);
    if (!p || p.mode !== 'peer' || !this.input) return false;
    this.input(data);
    return true;
  }

  /** The parties now, in join order. */
  list(): SessionParty[] {
    return [...this.parties.values()];
  }

  /** Every user who joined at some point (not the owner), in first-join order. */
  joinedUsers(): string[] {
    return [...this.joined];
  }

  /** The process ended: every party gets `exit` and is closed. Safe to call twice. */
  end(exit: ExitStatus): void {
    if (this.exit) return;
    this.exit = exit;
    const parties = [...this.parties.values()];
    this.parties.clear();
    for (const p of parties) p.end(exit);
  }

  private remember(data: Buffer): void {
    this.recent.push(Buffer.from(data));
    this.recentBytes += data.length;
    while (this.recentBytes - this.recent[0].length >= this.recentLimit) this.recentBytes -= this.recent.shift()!.length;
    if (this.recentBytes > this.recentLimit) {
      const all = Buffer.concat(this.recent).subarray(this.recentBytes - this.recentLimit);
      this.recent = [all];
      this.recentBytes = all.length;
    }
  }
}

/** The live interactive sessions on a node that can be joined, by session ID. */
export class LiveSessions {
  private readonly sessions = new Map<string, LiveSession>();

  /** Registers `s` under its ID (replacing nothing: IDs are claimed unique by LiveSessionIds). */
  add(s: LiveSession): void {
    this.sessions.set(s.info.id, s);
  }

  /** The live session `id`, if it runs here and has not ended. */
  get(id: string): LiveSession | undefined {
    const s = this.sessions.get(id);
    return s && !s.ended ? s : undefined;
  }

  /** Forgets `s` (its process ended). */
  remove(s: LiveSession): void {
    if (this.sessions.get(s.info.id) === s) this.sessions.delete(s.info.id);
  }
}
