/**
 * `pods/exec` and `pods/attach` once the streams are up: exec runs the command as a child process in
 * the pod's directory (under a PTY when tty=true, sized by the resize channel), attach joins the pod's
 * main process. The status written at the end is the kubelet's: Success, NonZeroExitCode with the
 * exit code as a cause (kubectl exits with it), or InternalError when the command cannot start.
 */
import { lookPath, startProcess, type PodRuntime } from './pods.js';
import type { ExecStreams, ExitStatus, StreamOptions } from './streams.js';

const SUCCESS: ExitStatus = { metadata: {}, status: 'Success' };

function exitStatus(command: string[], code: number): ExitStatus {
  if (code === 0) return SUCCESS;
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** Runs `command` in `pod` over `s` until it exits or the client goes away (which kills it). */
export function runExec(pod: PodRuntime, command: string[], o: StreamOptions, s: ExecStreams): void {
  if (command.length === 0 || !lookPath(command[0]!, pod.dir)) {
    s.finish({
      metadata: {},
      status: 'Failure',
      reason: 'InternalError',
      message: `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0] ?? ''}": executable file not found in $PATH: unknown`,
    });
    return;
  }
  let size: { cols: number; rows: number } | undefined;
  const p = startProcess({ command, dir: pod.dir, tty: o.tty, hostname: pod.name, size });
  s.events.on('resize', (r: { cols: number; rows: number }) => {
    size = r;
    p.resize(r.cols, r.rows);
  });
  if (o.stdin) {
    s.events.on('stdin', (d: Buffer) => p.write(d));
    s.events.on('stdin-end', () => p.endInput());
  } else if (!o.tty) {
    p.endInput();
  }
  // A client that reads slowly holds the process's output back instead of the server buffering it.
  const flow = (more: boolean) => {
    if (more) return;
    p.pause();
    void s.drained().then(() => p.resume());
  };
  if (o.stdout) p.events.on('stdout', (d: Buffer) => flow(s.stdout(d)));
  if (o.stderr) p.events.on('stderr', (d: Buffer) => flow(s.stderr(d)));
  let exited = false;
  s.events.once('gone', () => {
    if (!exited) p.kill();
  });
  void p.exited.then((code) => {
    exited = true;
    s.finish(exitStatus(command, code));
  });
}

/** Connects `s` to the pod's main process; detaching leaves it running. */
export function runAttach(pod: PodRuntime, o: StreamOptions, s: ExecStreams): void {
  const main = pod.main;
  if (!main || pod.mainExit !== undefined) {
    s.finish({ metadata: {}, status: 'Failure', reason: 'BadRequest', message: 'cannot attach to a container in a completed pod; current phase is Succeeded' });
    return;
  }
  const out = (d: Buffer) => o.stdout && s.stdout(d);
  const err = (d: Buffer) => (o.stderr ? s.stderr(d) : o.stdout && s.stdout(d));
  main.events.on('stdout', out);
  main.events.on('stderr', err);
  if (o.stdin) s.events.on('stdin', (d: Buffer) => main.write(d));
  s.events.on('resize', (r: { cols: number; rows: number }) => main.resize(r.cols, r.rows));
  const detach = () => {
    main.events.off('stdout', out);
    main.events.off('stderr', err);
  };
  // The kubelet reports Success when an attached container ends, whatever its exit code.
  const ended = () => {
    detach();
    s.finish(SUCCESS);
  };
  pod.events.once('main-exit', ended);
  s.events.once('gone', () => {
    detach();
    pod.events.off('main-exit', ended);
  });
}
