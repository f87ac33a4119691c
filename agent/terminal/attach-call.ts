// One Attach stream: one viewer of one session. The first client message (`open`) names the
// session and the viewer; the stream then carries the viewer's input, resizes, acks and detach
// one way and the session's events the other (session.ts decides what and when). gRPC's own
// backpressure is the sink's: while the stream's buffer is full, the session stops feeding this
// viewer (and only this one). A cancelled or broken stream drops only this viewer; the session
// and its process carry on. Failures before the viewer is attached close the stream with the
// AppError's status.
import type * as grpc from '@grpc/grpc-js';
import { invalid } from '../../lib/errors';
import { toServiceError, type ErrorLog } from '../grpc/service-errors';
import type { ViewerHandle, ViewerSink } from './session';
import type { TerminalSessionManager } from './session-manager';
import {
  toWireEvent,
  type WireAttachEvent,
  type WireAttachOpen,
  type WireAttachRequest,
} from './terminal-wire';

export type AttachCall = grpc.ServerDuplexStream<WireAttachRequest, WireAttachEvent>;

const MAX_ID = 256;

function checkOpen(open: WireAttachOpen): void {
  const errors = [];
  if (!open.sessionId) errors.push({ path: 'open.sessionId', message: 'Required.' });
  if (!open.viewerId || open.viewerId.length > MAX_ID) {
    errors.push({ path: 'open.viewerId', message: `Required, at most ${MAX_ID} characters.` });
  }
  if (open.userId.length > MAX_ID) {
    errors.push({ path: 'open.userId', message: `At most ${MAX_ID} characters.` });
  }
  if (errors.length > 0) throw invalid('The Attach request is invalid.', errors);
}

export function serveAttach(
  call: AttachCall,
  manager: TerminalSessionManager,
  log: ErrorLog | undefined,
): void {
  let viewer: ViewerHandle | undefined;
  let finished = false;

  const fail = (error: unknown) => {
    if (finished) return;
    finished = true;
    viewer?.drop();
    call.emit('error', toServiceError(error, log));
  };

  const sink: ViewerSink = {
    send(event) {
      if (finished) return true;
      return call.write(toWireEvent(event));
    },
    onDrain(listener) {
      call.once('drain', listener);
    },
    end() {
      if (finished) return;
      finished = true;
      call.end();
    },
  };

  const open = (message: WireAttachOpen) => {
    checkOpen(message);
    const session = manager.session(message.sessionId);
    const resume = message.resumeOffset;
    viewer = session.attach(
      {
        viewerId: message.viewerId,
        userId: message.userId,
        readOnly: message.readOnly,
        ...(typeof resume === 'number' ? { resumeOffset: resume } : {}),
        ...(message.cols > 0 && message.rows > 0 ? { cols: message.cols, rows: message.rows } : {}),
      },
      sink,
    );
  };

  call.on('data', (message: WireAttachRequest) => {
    if (finished) return;
    try {
      if (!viewer) {
        if (message.message !== 'open' || !message.open) {
          throw invalid('The first Attach message must be `open`.');
        }
        open(message.open);
        return;
      }
      switch (message.message) {
        case 'input':
          if (message.input) viewer.write(message.input);
          break;
        case 'resize':
          if (message.resize) viewer.resize(message.resize.cols, message.resize.rows);
          break;
        case 'ack':
          if (typeof message.ack === 'number') viewer.ack(message.ack);
          break;
        case 'detach':
          viewer.detach();
          break;
        default:
          throw invalid('An Attach stream is opened once.');
      }
    } catch (error) {
      fail(error);
    }
  });
  // The client half-closed: it sends nothing more, which is a detach.
  call.on('end', () => {
    if (finished) return;
    if (viewer) viewer.detach();
    else fail(invalid('The Attach stream ended before `open`.'));
  });
  call.on('cancelled', () => {
    finished = true;
    viewer?.drop();
  });
  call.on('error', () => {
    finished = true;
    viewer?.drop();
  });
}
