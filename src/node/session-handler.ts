/**
 * One SSH session channel on the node: pty, env, agent and window-change requests, then one shell,
 * exec or sftp subsystem run as the login's OS user, with signals relayed and the exit status or
 * signal reported. Every session gets a UUID (the one a `TELEPORT_SESSION` env request names when it is
 * well-formed and free, else a fresh v4; see session-id.ts) and a start/end event; shell and exec
 * sessions are recorded (output, window changes) when the node has a recorder and the cluster's mode
 * says so.
 */
import { stat } from 'node:fs/promises';
import type { Clock } from '../api/clock.js';
import { isCode } from '../api/errors.js';
import type { Logger } from '../log/index.js';
import type { ExitStatus, PtyRequest, SSHChannel, SSHConnection, SSHSession, SessionRequest } from '../sshutils/index.js';
import { startAgentSocket, type AgentSocket } from './agent-forward.js';
import type { NodeIdentity } from './authorize.js';
import { acceptsClientVariable, buildEnvironment, loginDefsPath, readUserEnvironmentFile } from './environment.js';
import { SFTP_MISSING_MESSAGE, fileCopyRefusal, findSftpServer, isScpCommand } from './file-copy.js';
import { asUser, lookupOSUser, type OSUser } from './os-user.js';
import { startPipeProcess } from './pipe-process.js';
import { inProcessLauncher, type ProcessLauncher } from './process-launcher.js';
import { startPtyProcess, withSSHTTY } from './pty-process.js';
import type { RunningProcess } from './running-process.js';
import type { SessionEvent, SessionEventBase, SessionKind } from './session-events.js';
import { SESSION_ENV_VAR, parseSessionId, processSessionIds, type LiveSessionIds } from './session-id.js';
import type { SessionRecorder, SessionRecording } from './session-recorder.js';
import { LiveSession, LiveSessions } from './live-session.js';
import { JOIN_MODE_ENV_VAR, joinLiveSession, type JoinedParty } from './session-join.js';

/** What a session needs from the node. */
export interface SessionDeps {
  hostId: string;
  clusterName: string;
  permitUserEnv: boolean;
  sshFileCopy: boolean;
  clock: Clock;
  logger: Logger;
  onEvent(e: SessionEvent): void;
  /** Records shell and exec sessions; none when absent. */
  recorder?: SessionRecorder;
  /** Register a writer for connection-level messages (idle/expiry); returns the unregister. */
  track(conn: SSHConnection, notify: (message: string) => void): () => void;
  /** The IDs of the node's live sessions (default: one registry per process). */
  sessionIds?: LiveSessionIds;
  /** The node's joinable sessions (default: one registry per process). */
  liveSessions?: LiveSessions;
  /** Starts the sessions' programs (the node's launcher process); default in this process. */
  launcher?: ProcessLauncher;
}

/** The registry used when a node passes none (SessionDeps.liveSessions). */
export const processLiveSessions = new LiveSessions();

type RunRequest = Extract<SessionRequest, { type: 'shell' | 'exec' | 'subsystem' }>;

/** Serve `session` until its channel closes. Never rejects. */
export async function serveSession(session: SSHSession, deps: SessionDeps): Promise<void> {
  const id = session.identity as NodeIdentity;
  const sessionIds = deps.sessionIds ?? processSessionIds;
  let requestedId: string | undefined;
  let joinMode: string | undefined;
  let joined: JoinedParty | undefined;
  let sessionId: string | undefined;
  let log = deps.logger.child({ login: id.login, user: id.teleportUser });
  let pty: PtyRequest | undefined;
  const clientEnv: Record<string, string> = {};
  let agentRequested = false;
  let proc: RunningProcess | undefined;
  let recording: SessionRecording | undefined;
  let started = false;
  let exited = false;
  let finished: Promise<void> | undefined;
  try {
    for await (const req of session.requests) {
      switch (req.type) {
        case 'pty':
          if (started || !id.permitPty) req.reject();
          else {
            pty = { term: req.term, cols: req.cols, rows: req.rows, width: req.width, height: req.height, modes: req.modes };
            req.accept();
          }
          break;
        case 'env':
          if (req.name === SESSION_ENV_VAR) {
            // Not passed on to the process: the environment carries the session's own ID.
            requestedId = started ? undefined : parseSessionId(req.value);
            if (requestedId) req.accept();
            else {
              log.debug({ value: req.value.slice(0, 64) }, 'session ID request refused: not a UUID');
              req.reject();
            }
          } else if (req.name === JOIN_MODE_ENV_VAR) {
            joinMode = started ? undefined : req.value;
            req.accept();
          } else if (acceptsClientVariable(req.name, deps.permitUserEnv)) {
            clientEnv[req.name] = req.value;
            req.accept();
          } else {
            log.debug({ name: req.name }, 'env request refused');
            req.reject();
          }
          break;
        case 'window-change':
          if (proc) {
            proc.resize(req.cols, req.rows);
            recording?.resize(req.cols, req.rows);
          }
          else if (pty) pty = { ...pty, cols: req.cols, rows: req.rows };
          break;
        case 'signal':
          if (proc && !proc.signal(req.name)) log.debug({ signal: req.name }, 'unknown signal ignored');
          break;
        case 'auth-agent':
          if (!started && id.permitAgentForwarding && id.roles.canForwardAgents()) {
            agentRequested = true;
            req.accept();
          } else {
            log.info('agent forwarding refused');
            req.reject();
          }
          break;
        default: {
          if (started) {
            req.reject();
            break;
          }
          started = true;
          const live = req.type === 'shell' && requestedId !== undefined ? (deps.liveSessions ?? processLiveSessions).get(requestedId) : undefined;
          if (live) {
            const ch = req.accept();
            joined = joinLiveSession(ch, { session, id, live, mode: joinMode, now: () => deps.clock.now(), emit: (e) => emit(deps, log, e), log });
            finished = joined?.finished;
            break;
          }
          if (id.joinOnly) {
            const why = requestedId
              ? `session ${requestedId} is not running on this node (it has ended, or it is not an interactive session that can be joined)`
              : 'join-only mode was used to create this connection but attempted to create a new session.';
            log.info({ requested: requestedId }, 'join-only connection refused a new session');
            if (req.type === 'subsystem') req.reject();
            else refuse(req.accept(), why, 1);
            break;
          }
          sessionId = sessionIds.claim(requestedId);
          if (requestedId && sessionId !== requestedId) log.info({ requested: requestedId }, 'requested session ID is in use; using a fresh one');
          log = log.child({ session_id: sessionId });
          const run = await startRun(req, { session, id, sessionId, pty, clientEnv, agentRequested, deps, log });
          if (run) {
            proc = run.proc;
            recording = run.recording;
            finished = run.finished.finally(() => (exited = true));
          }
        }
      }
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'session failed');
  }
  // The channel is gone: a process still running has lost its client.
  if (proc && !exited) proc.signal('HUP');
  joined?.leave();
  await finished;
  if (sessionId) sessionIds.release(sessionId);
}

interface RunContext {
  session: SSHSession;
  id: NodeIdentity;
  sessionId: string;
  pty?: PtyRequest;
  clientEnv: Record<string, string>;
  agentRequested: boolean;
  deps: SessionDeps;
  log: Logger;
}

/** Refuse on the channel: a message on stderr and an exit status, as Teleport's launcher does. */
function refuse(ch: SSHChannel, message: string, code: number): void {
  ch.stderr.write(`${message}\r\n`);
  ch.exit({ code });
}

type Run = { proc: RunningProcess; finished: Promise<void>; recording?: SessionRecording };

async function startRun(req: RunRequest, c: RunContext): Promise<Run | undefined> {
  if (req.type === 'subsystem' && req.name !== 'sftp') {
    c.log.info({ subsystem: req.name }, 'unknown subsystem refused');
    req.reject();
    return undefined;
  }
  const ch = req.accept();
  try {
    return await launch(req, ch, c);
  } catch (err) {
    c.log.warn({ err: (err as Error).message }, 'session launch failed');
    refuse(ch, `Failed to launch: ${(err as Error).message}.`, 255);
    return undefined;
  }
}

async function launch(req: RunRequest, ch: SSHChannel, c: RunContext): Promise<Run | undefined> {
  const { id, deps, log } = c;
  const kind: SessionKind = req.type;
  const command = req.type === 'exec' ? req.command : req.type === 'subsystem' ? req.name : undefined;
  const copying = req.type === 'subsystem' || (req.type === 'exec' && isScpCommand(req.command));
  const copyRefusal = copying ? fileCopyRefusal(id, deps.sshFileCopy) : undefined;
  if (copyRefusal) {
    log.info({ reason: copyRefusal }, 'file copy refused');
    refuse(ch, copyRefusal, 1);
    return undefined;
  }
  let user: OSUser;
  try {
    user = await lookupOSUser(id.login);
  } catch (err) {
    if (!isCode(err, 'not_found')) log.warn({ err: (err as Error).message }, 'user lookup failed');
    refuse(ch, `Failed to launch: ${(err as Error).message}.`, 255);
    return undefined;
  }
  let argv: string[];
  if (req.type === 'subsystem') {
    const sftp = findSftpServer();
    if (!sftp) {
      refuse(ch, SFTP_MISSING_MESSAGE, 1);
      return undefined;
    }
    argv = [sftp];
  } else {
    argv = req.type === 'exec' ? [user.shell, '-c', req.command] : [user.shell, '-l'];
  }
  const tty = c.pty !== undefined && req.type !== 'subsystem';
  const cmd = asUser(user, tty ? withSSHTTY(argv) : argv);
  if (!cmd) {
    refuse(ch, `Failed to launch: the node cannot start processes as ${user.name}.`, 255);
    return undefined;
  }
  let agent: AgentSocket | undefined;
  if (c.agentRequested) {
    try {
      agent = await startAgentSocket(user, () => c.session.openAgent(), log);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot create the agent socket');
    }
  }
  const conn = c.session.conn;
  const remoteAddr = `${conn.remoteAddress}:${conn.remotePort}`;
  const localAddr = `${conn.localAddress}:${conn.localPort}`;
  let recording: SessionRecording | undefined;
  // Set once the process runs: what a recording failure does to a session that must be recorded.
  let onRecordingFailure: ((err: Error) => void) | undefined;
  const strict = id.roles.recordSessionMode() === 'strict';
  if (deps.recorder && req.type !== 'subsystem' && !copying) {
    try {
      recording = await deps.recorder.begin({
        sessionId: c.sessionId,
        kind: req.type === 'exec' ? 'exec' : 'shell',
        ...(command !== undefined && { command }),
        user: id.teleportUser,
        login: id.login,
        remoteAddr,
        localAddr,
        tty,
        ...(tty && { term: c.pty!.term }),
        cols: tty ? c.pty!.cols : 80,
        rows: tty ? c.pty!.rows : 24,
        strict,
        onFailure: (err) => onRecordingFailure?.(err),
      });
    } catch (err) {
      await agent?.close();
      log.warn({ err: (err as Error).message }, 'session refused: it cannot be recorded');
      refuse(ch, `Failed to launch: ${(err as Error).message}.`, 255);
      return undefined;
    }
  }
  // An interactive shell can be joined: its output fans out through the live session (to the recording too).
  const liveSessions = deps.liveSessions ?? processLiveSessions;
  const live =
    req.type === 'shell' && tty
      ? new LiveSession({ id: c.sessionId, owner: id.teleportUser, ownerRoles: id.roles.roleNames(), login: id.login, kind: 'ssh' }, recording)
      : undefined;
  const tap = live ?? recording;
  let proc: RunningProcess;
  try {
    const env = buildEnvironment({
      user,
      path: await loginDefsPath(user.uid),
      remoteAddress: c.session.conn.remoteAddress,
      remotePort: c.session.conn.remotePort,
      localAddress: c.session.conn.localAddress,
      localPort: c.session.conn.localPort,
      sessionId: c.sessionId,
      teleportUser: id.teleportUser,
      hostId: deps.hostId,
      clusterName: deps.clusterName,
      term: tty ? c.pty?.term : undefined,
      client: c.clientEnv,
      userFile: deps.permitUserEnv ? await readUserEnvironmentFile(user) : {},
      agentSocket: agent?.path,
    });
    const cwd = (await isDirectory(user.home)) ? user.home : '/';
    const launcher = deps.launcher ?? inProcessLauncher;
    proc = tty
      ? await startPtyProcess(launcher, cmd.file, cmd.args, { cwd, env, term: c.pty!.term, cols: c.pty!.cols, rows: c.pty!.rows, tap }, ch)
      : await startPipeProcess(launcher, cmd, { cwd, env, tap: recording }, ch);
  } catch (err) {
    await agent?.close();
    await recording?.discard();
    throw err;
  }
  const base: Omit<SessionEventBase, 'time'> = {
    sessionId: c.sessionId,
    kind,
    command,
    user: id.teleportUser,
    login: id.login,
    serverId: deps.hostId,
    remoteAddr,
    localAddr,
    tty,
  };
  if (strict) {
    const running = proc;
    onRecordingFailure = (err) => {
      log.warn({ err: err.message }, 'session ended: it can no longer be recorded and the role requires recording');
      ch.stderr.write(`\r\nThe session can no longer be recorded (${err.message}) and your role requires recording (record_session: strict): ending it.\r\n`);
      running.signal('KILL');
    };
  }
  if (live) {
    const running = proc;
    live.setInput((d) => running.write?.(d));
    liveSessions.add(live);
  }
  const hostPolicies = id.roles.all().filter((r) => id.roles.roleNames().includes(r.metadata.name)).map((r) => ({ name: r.metadata.name, version: r.version }));
  emit(deps, log, { type: 'session.start', ...base, hostPolicies, time: deps.clock.now() });
  log.info({ kind, pid: proc.pid }, 'session started');
  const untrack = deps.track(conn, (message) => ch.stderr.write(`\r\n${message}\r\n`));
  const finished = proc.done.then(async (exit: ExitStatus) => {
    untrack();
    ch.exit(exit);
    if (live) {
      liveSessions.remove(live);
      live.end(exit);
    }
    await recording?.end(exit);
    await agent?.close();
    const participants = [id.teleportUser, ...(live?.joinedUsers() ?? []).filter((u) => u !== id.teleportUser)];
    emit(deps, log, { type: 'session.end', ...base, exit, participants, time: deps.clock.now() });
    log.info({ exit }, 'session ended');
  });
  return { proc, finished, recording };
}

function emit(deps: SessionDeps, log: Logger, e: SessionEvent): void {
  try {
    deps.onEvent(e);
  } catch (err) {
    log.warn({ err: (err as Error).message, event: e.type }, 'session event handler failed');
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
