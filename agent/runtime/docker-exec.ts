// A process in a running container through the Docker exec API: one hijacked connection carries
// stdin one way and output the other (raw with a TTY, multiplexed 8-byte-framed stdout/stderr
// without), and the exit code is read from the exec's inspect after the connection closes.
//
// Two engine gaps are worked around here:
// - Initial TTY size. Engines before API 1.42 cannot be given a size before the process starts,
//   and a resize sent right after start loses the race against a fast program (`stty size` sees
//   0×0). On those engines the command runs under `/bin/sh -c 'stty cols C rows R; exec "$@"'`,
//   which sets the size on the process's own terminal before exec'ing the command (sh replaces
//   itself, so exit codes and signals are the command's). Newer engines get ConsoleSize instead.
// - Killing. Docker has no "kill exec" call, and closing the connection leaves the process
//   running (checked on Engine 20.10). When the agent can see the engine's process table (same
//   host and pid namespace: /proc/<pid>/cgroup names the container), it signals the process from
//   inside the container — SIGHUP, then SIGKILL after 2 s — with a helper exec as the same user.
//   Otherwise (a remote or VM engine) the process runs until it ends by itself.
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecProcess, ExecSpec, OutputStreamName } from './container-runtime';
import { unavailable } from './container-runtime';

export interface DockerExecOptions {
  container: Docker.Container;
  containerId: string;
  spec: ExecSpec;
  onOutput: (data: Buffer, stream: OutputStreamName) => void;
  /** The engine's API version, e.g. "1.41". */
  apiVersion: string;
  /** The engine's address, for messages. */
  where: string;
}

const EOT = Buffer.from([0x04]);
const SIZE_WRAPPER = 'stty cols "$1" rows "$2" 2>/dev/null; shift 2; exec "$@"';

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/** Splits Docker's multiplexed stream (header: stream byte, 3 zero bytes, big-endian size). */
export function demultiplexer(
  onFrame: (data: Buffer, stream: OutputStreamName) => void,
): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const payload = pending.subarray(8, 8 + size);
      const stream = pending[0] === 2 ? 'stderr' : 'stdout';
      pending = pending.subarray(8 + size);
      if (payload.length > 0) onFrame(payload, stream);
    }
  };
}

/** The pid inside the container of host process `hostPid`, when it belongs to `containerId`. */
async function pidInContainer(hostPid: number, containerId: string): Promise<number | undefined> {
  try {
    const cgroup = await readFile(`/proc/${hostPid}/cgroup`, 'utf8');
    if (!cgroup.includes(containerId)) return undefined; // another pid namespace, or pid reused
    const status = await readFile(`/proc/${hostPid}/status`, 'utf8');
    const nspid = /^NSpid:\s*(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/).pop();
    return nspid && /^\d+$/.test(nspid) ? Number(nspid) : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDockerExec(options: DockerExecOptions): Promise<ExecProcess> {
  const { container, spec, onOutput } = options;
  const sized = spec.tty && spec.cols !== undefined && spec.rows !== undefined;
  const consoleSize = atLeast(options.apiVersion, 1, 42);
  const command =
    sized && !consoleSize
      ? [
          '/bin/sh',
          '-c',
          SIZE_WRAPPER,
          'dvm-exec',
          String(spec.cols),
          String(spec.rows),
          ...spec.command,
        ]
      : spec.command;
  const size = sized && consoleSize ? { ConsoleSize: [spec.rows, spec.cols] } : {};

  const exec = await container.exec({
    Cmd: command,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: spec.tty,
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...size,
  } as Docker.ExecCreateOptions);
  const stream = (await exec.start({
    hijack: true,
    stdin: true,
    Tty: spec.tty,
    ...size,
  } as Docker.ExecStartOptions)) as Duplex;

  stream.on('error', () => undefined); // a reset shows up as 'close'; exited reports it
  stream.on(
    'data',
    spec.tty ? (chunk: Buffer) => onOutput(chunk, 'stdout') : demultiplexer(onOutput),
  );

  let killed = false;
  let stdinClosed = false;
  let stopping: Promise<void> = Promise.resolve();

  const exitCode = async (waitMs: number): Promise<number | undefined> => {
    const until = Date.now() + waitMs;
    for (;;) {
      const info = await exec.inspect().catch(() => undefined);
      if (info && !info.Running) return info.ExitCode ?? undefined;
      if (Date.now() >= until) return undefined;
      await sleep(50);
    }
  };

  const signal = async (name: 'HUP' | 'KILL', pid: number) => {
    const helper = await container.exec({
      Cmd: ['/bin/sh', '-c', `kill -${name} "$1"`, 'dvm-kill', String(pid)],
      ...(spec.user ? { User: spec.user } : {}),
    });
    await helper.start({ Detach: true });
  };

  const stopProcess = async () => {
    const info = await exec.inspect().catch(() => undefined);
    if (!info?.Running || !info.Pid) return;
    const pid = await pidInContainer(info.Pid, options.containerId);
    if (pid === undefined) return;
    await signal('HUP', pid).catch(() => undefined);
    if ((await exitCode(2000)) === undefined) await signal('KILL', pid).catch(() => undefined);
  };

  const exited = new Promise<{ exitCode: number }>((resolve, reject) => {
    stream.once('close', () => {
      void (async () => {
        await stopping;
        const code = await exitCode(killed ? 1000 : 5000);
        if (code !== undefined) resolve({ exitCode: code });
        else
          reject(
            unavailable(
              killed
                ? 'The exec was cancelled; the engine does not let the agent stop its process, which may still be running.'
                : `The connection to the container engine at ${options.where} ended while the process was still running.`,
            ),
          );
      })();
    });
  });
  exited.catch(() => undefined); // the caller may never ask

  // A resize is an HTTP call beside the stream: input sent after it waits until it is done, so
  // the program reads the keystroke that follows a resize with the new size already in place.
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  const afterResizes = (step: () => void) => {
    if (queued === 0) return step();
    queued += 1;
    queue = queue.then(() => {
      queued -= 1;
      step();
    });
  };

  const resizeInOrder = (cols: number, rows: number) => {
    queued += 1;
    queue = queue.then(async () => {
      // An engine that never answers must not hold the session's input forever.
      await Promise.race([exec.resize({ h: rows, w: cols }).catch(() => undefined), sleep(2000)]);
      queued -= 1;
    });
  };
  if (sized) {
    // On newer engines ConsoleSize already did it; on older ones the wrapper did. Either way this
    // makes the engine's own record of the size match (it answers later resizes relative to it).
    // Queued like any resize: sent beside them, it could land after a user's resize and undo it.
    resizeInOrder(spec.cols!, spec.rows!);
  }

  return {
    write(data) {
      const send = () => {
        if (!stdinClosed && !stream.destroyed) stream.write(data);
      };
      afterResizes(send);
    },
    resize(cols, rows) {
      if (spec.tty) resizeInOrder(cols, rows);
    },
    closeStdin() {
      const close = () => {
        if (stdinClosed || stream.destroyed) return;
        // With a TTY, half-closing the connection makes the engine drop the whole attachment
        // (output included); a terminal's end of input is its EOF character instead.
        if (spec.tty) stream.write(EOT);
        else stream.end();
        stdinClosed = true;
      };
      afterResizes(close);
    },
    pauseOutput() {
      stream.pause();
    },
    resumeOutput() {
      stream.resume();
    },
    exited,
    kill() {
      if (killed) return;
      killed = true;
      stream.destroy();
      stopping = stopProcess().catch(() => undefined);
    },
  };
}
