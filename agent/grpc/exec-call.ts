// One Exec stream: the client's `open` starts a process through the runtime; stdin, resizes and
// close_stdin that arrive before the process is ready are queued, not dropped (a terminal types
// as soon as it opens). Output flows back with gRPC's flow control: while the client is slow the
// runtime stops reading the process's output instead of buffering it without bound. The process's
// end sends one `exit` message and closes the stream with OK; a failure closes it with the
// AppError's status. A cancelled call (client gone, keepalive lost) kills the process.
import type * as grpc from '@grpc/grpc-js';
import { invalid } from '../../lib/errors';
import type { ContainerRuntime, ExecProcess } from '../runtime/container-runtime';
import { toServiceError, type ErrorLog } from './service-errors';
import {
  fromWireExecOpen,
  type WireExecOpen,
  type WireExecRequest,
  type WireExecResponse,
} from './wire';

export type ExecCall = grpc.ServerDuplexStream<WireExecRequest, WireExecResponse>;

type Instruction = Exclude<WireExecRequest['message'], 'open' | undefined> | 'eof';

export function serveExec(call: ExecCall, runtime: ContainerRuntime, log: ErrorLog): void {
  let opened = false;
  let finished = false;
  let process: ExecProcess | undefined;
  let paused = false;
  const queued: WireExecRequest[] = [];

  const fail = (error: unknown) => {
    if (finished) return;
    finished = true;
    process?.kill();
    call.emit('error', toServiceError(error, log));
  };

  const apply = (message: WireExecRequest, kind: Instruction) => {
    if (!process) return;
    if (kind === 'stdin' && message.stdin) process.write(message.stdin);
    else if (kind === 'resize' && message.resize) {
      process.resize(message.resize.cols, message.resize.rows);
    } else if (kind === 'closeStdin' || kind === 'eof') process.closeStdin();
  };

  const kindOf = (message: WireExecRequest): Instruction | undefined =>
    message.message === 'open' ? undefined : message.message;

  const send = (response: WireExecResponse) => {
    if (finished) return;
    if (!call.write(response) && !paused) {
      paused = true;
      process?.pauseOutput();
      call.once('drain', () => {
        paused = false;
        process?.resumeOutput();
      });
    }
  };

  const start = (open: WireExecOpen) => {
    runtime
      .exec(open.name, fromWireExecOpen(open), (data, stream) =>
        send({
          output: {
            stream: stream === 'stderr' ? 'OUTPUT_STREAM_STDERR' : 'OUTPUT_STREAM_STDOUT',
            data,
          },
        }),
      )
      .then((started) => {
        if (finished) {
          started.kill();
          return;
        }
        process = started;
        if (paused) started.pauseOutput();
        for (const message of queued.splice(0)) {
          const kind = message.message === undefined ? 'eof' : kindOf(message);
          if (kind) apply(message, kind);
        }
        started.exited.then(({ exitCode }) => {
          if (finished) return;
          finished = true;
          call.write({ exit: { exitCode } });
          call.end();
        }, fail);
      }, fail);
  };

  call.on('data', (message: WireExecRequest) => {
    if (finished) return;
    if (!opened) {
      if (message.message !== 'open' || !message.open) {
        fail(invalid('The first Exec message must be `open`.'));
        return;
      }
      opened = true;
      start(message.open);
      return;
    }
    const kind = kindOf(message);
    if (!kind) {
      fail(invalid('An Exec stream is opened once.'));
      return;
    }
    if (process) apply(message, kind);
    else queued.push(message);
  });
  // The client half-closed: it will send nothing more, so the process gets EOF.
  call.on('end', () => {
    if (finished) return;
    if (process) process.closeStdin();
    else if (opened) queued.push({});
    else fail(invalid('The Exec stream ended before `open`.'));
  });
  call.on('cancelled', () => {
    finished = true;
    process?.kill();
  });
  call.on('error', () => undefined);
}
