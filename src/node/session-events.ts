/**
 * The node's session hook: a typed "session started / ended" notification for every session
 * channel that runs something (shell, exec, subsystem). The audit log and recorder attach here.
 */
import type { ParticipantMode } from '../rbac/index.js';
import type { ExitStatus } from '../sshutils/index.js';

/** What ran in the session. */
export type SessionKind = 'shell' | 'exec' | 'subsystem';

/** Fields common to both events. */
export interface SessionEventBase {
  /** uuid v4, also in the process environment as SSH_SESSION_ID. */
  sessionId: string;
  kind: SessionKind;
  /** The exec command or the subsystem name. */
  command?: string;
  /** Teleport user and OS login. */
  user: string;
  login: string;
  /** Host UUID of this node. */
  serverId: string;
  /** `ip:port` of the client and of our end. */
  remoteAddr: string;
  localAddr: string;
  /** Whether a terminal was allocated. */
  tty: boolean;
  /** Epoch ms on the node's clock. */
  time: number;
}

/** A session started (its process is running). */
export interface SessionStartEvent extends SessionEventBase {
  type: 'session.start';
  /** The owner's roles (name and version): the tracker's host policies, for join decisions. */
  hostPolicies?: { name: string; version: string }[];
}

/** A session ended; `exit` is how its process ended. */
export interface SessionEndEvent extends SessionEventBase {
  type: 'session.end';
  exit: ExitStatus;
  /** Everyone who took part: the owner, then the users who joined. Absent: the owner alone. */
  participants?: string[];
}

/**
 * Someone joined a live session or left it (a party of its own connection). `user`, `login` and the
 * addresses are the joiner's; `participantId` names the party in the session tracker.
 */
export interface SessionPartyEvent {
  type: 'session.join' | 'session.leave';
  sessionId: string;
  participantId: string;
  user: string;
  login: string;
  mode: ParticipantMode;
  remoteAddr: string;
  localAddr: string;
  time: number;
}

/** Any session event. */
export type SessionEvent = SessionStartEvent | SessionEndEvent | SessionPartyEvent;

/** The hook; it must not throw (a throw is logged and ignored). */
export type SessionEventHandler = (event: SessionEvent) => void;
