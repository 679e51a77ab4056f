/**
 * Joining a live session on a session channel, as Teleport's clients do: `TELEPORT_SESSION=<sid>`
 * and `TELEPORT_SSH_JOIN_MODE=observer|moderator|peer` env requests, then a shell request. The
 * joiner must log in as the session's login or as the join principal, and (unless they own the
 * session) hold a role whose `join_sessions` allows the mode (rbac/join-sessions.ts). A joined party
 * gets the recent output and everything after, a peer's keystrokes reach the terminal, an
 * observer's or moderator's are dropped, and the session's end closes the party with its exit status.
 */
import { randomUUID } from 'node:crypto';
import { AccessDeniedError, BadParameterError } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import { SESSION_JOIN_PRINCIPAL, checkJoin, parseParticipantMode, type ParticipantMode } from '../rbac/index.js';
import type { ExitStatus, SSHChannel, SSHSession } from '../sshutils/index.js';
import type { NodeIdentity } from './authorize.js';
import type { LiveSession, SessionParty } from './live-session.js';
import type { SessionEvent } from './session-events.js';

/** The env request carrying the participant mode (Teleport's EnvSSHJoinMode). */
export const JOIN_MODE_ENV_VAR = 'TELEPORT_SSH_JOIN_MODE';

/** What a join needs. */
export interface JoinContext {
  session: SSHSession;
  id: NodeIdentity;
  live: LiveSession;
  /** The TELEPORT_SSH_JOIN_MODE value, if sent. */
  mode?: string;
  now(): number;
  emit(e: SessionEvent): void;
  log: Logger;
}

/** A joined party: `leave()` (idempotent) when its channel is gone; `finished` once it has left. */
export interface JoinedParty {
  leave(): void;
  finished: Promise<void>;
}

/** The control help Teleport prints to a participant joining under another login. */
export function participantControls(mode: ParticipantMode): string {
  let s = `\r\nTeleport > Joining session with participant mode: ${mode}\r\n`;
  s += 'Teleport > Controls\r\n';
  s += 'Teleport >   - CTRL-C: Leave the session\r\n';
  if (mode === 'moderator') s += 'Teleport >   - t: Forcefully terminate the session\r\n';
  return s;
}

/**
 * Decides and performs the join on the accepted channel `ch`. A refusal is written to the channel's
 * stderr with exit status 1 (and logged); undefined is returned then.
 */
export function joinLiveSession(ch: SSHChannel, c: JoinContext): JoinedParty | undefined {
  const { id, live, log } = c;
  let mode: ParticipantMode;
  try {
    mode = parseParticipantMode(c.mode);
    if (id.login !== live.info.login && id.login !== SESSION_JOIN_PRINCIPAL) {
      throw new AccessDeniedError(`can't switch users from ${live.info.login} to ${id.login} for session ${live.info.id}`);
    }
    if (id.teleportUser !== live.info.owner) {
      checkJoin({ user: id.teleportUser, roles: id.roles.all() }, { sessionId: live.info.id, kind: live.info.kind, owner: live.info.owner, ownerRoles: live.info.ownerRoles }, mode);
    }
  } catch (err) {
    if (!(err instanceof AccessDeniedError) && !(err instanceof BadParameterError)) throw err;
    log.info({ session_id: live.info.id, user: id.teleportUser, reason: err.message }, 'session join refused');
    ch.stderr.write(`${err.message}\r\n`);
    ch.exit({ code: 1 });
    return undefined;
  }

  let resolveLeft!: () => void;
  const finished = new Promise<void>((resolve) => (resolveLeft = resolve));
  const party = channelParty(ch, { id: randomUUID(), user: id.teleportUser, mode });
  if (!live.join(party)) {
    ch.stderr.write(`session ${live.info.id} has ended\r\n`);
    ch.exit({ code: 1 });
    return undefined;
  }
  if (id.login !== live.info.login) ch.stream.write(participantControls(mode));
  ch.stream.on('data', (d: Buffer) => live.inputFrom(party.id, d));

  const conn = c.session.conn;
  const partyEvent = (type: 'session.join' | 'session.leave'): SessionEvent => ({
    type,
    sessionId: live.info.id,
    participantId: party.id,
    user: id.teleportUser,
    login: id.login,
    mode,
    remoteAddr: hostPort(conn.remoteAddress, conn.remotePort),
    localAddr: hostPort(conn.localAddress, conn.localPort),
    time: c.now(),
  });
  c.emit(partyEvent('session.join'));
  const recorded = { user: id.teleportUser, login: id.login, remoteAddr: hostPort(conn.remoteAddress, conn.remotePort) };
  live.recordParty({ type: 'session.join', ...recorded });
  log.info({ session_id: live.info.id, user: id.teleportUser, mode }, 'party joined the session');

  let left = false;
  return {
    leave() {
      if (left) return;
      left = true;
      live.leave(party.id);
      c.emit(partyEvent('session.leave'));
      if (!live.ended) live.recordParty({ type: 'session.leave', ...recorded });
      log.info({ session_id: live.info.id, user: id.teleportUser }, 'party left the session');
      resolveLeft();
    },
    finished,
  };
}

/** A party writing to a session channel with its backpressure. */
function channelParty(ch: SSHChannel, p: { id: string; user: string; mode: ParticipantMode }): SessionParty {
  let gone = false;
  ch.stream.once('close', () => (gone = true));
  return {
    ...p,
    write(data) {
      if (gone) return true;
      return ch.stream.write(data);
    },
    drained() {
      if (gone) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          ch.stream.off('drain', done);
          ch.stream.off('close', done);
          resolve();
        };
        ch.stream.once('drain', done);
        ch.stream.once('close', done);
      });
    },
    end(exit: ExitStatus) {
      ch.exit(exit);
    },
  };
}

function hostPort(host: string, port: number): string {
  const h = host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}
