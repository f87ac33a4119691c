// One Build stream: the request is checked and handed to the build service, whose events are
// written in order; the outcome (succeeded, failed, cancelled) is the last event, then the stream
// closes with OK. A request the service refuses before building closes the stream with its
// AppError's status. A cancelled call (the client cancelled, or keepalive lost it) aborts the
// build on the engine, unless another request for the same tag still follows it.
import type * as grpc from '@grpc/grpc-js';
import type { BuildService } from '../build/build-service';
import { fromWireBuildRequest, toWireBuildEvent, type WireBuildRequest } from './build-wire';
import { toServiceError, type ErrorLog } from './service-errors';

export type BuildCall = grpc.ServerWritableStream<WireBuildRequest, object>;

export function serveBuild(call: BuildCall, service: BuildService, log?: ErrorLog): void {
  const controller = new AbortController();
  let closed = false;
  const close = () => {
    closed = true;
    controller.abort();
  };
  call.on('cancelled', close);
  call.on('error', () => undefined);

  let request;
  try {
    request = fromWireBuildRequest(call.request);
  } catch (error) {
    call.emit('error', toServiceError(error, log));
    return;
  }
  service
    .build(
      request,
      (event) => {
        if (!closed) call.write(toWireBuildEvent(event));
      },
      controller.signal,
    )
    .then(
      () => {
        if (!closed) call.end();
      },
      (error: unknown) => {
        if (!closed) call.emit('error', toServiceError(error, log));
      },
    );
}
