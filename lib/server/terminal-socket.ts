// The control plane's terminal socket, `/ws/terminals/{sessionId}` (issue P1.6): server.ts hands
// it authenticated upgrades (Origin and credentials already checked by socket-auth.ts), and it
//
//   - accepts only the `dvm.terminal.v1` subprotocol (others: close 4426);
//   - re-checks the caller's role for the session on every (re)connect (authorizeTerminalSocket):
//     the owner or an operator gets a writable viewer, a reader a read-only one;
//   - bridges one agent attachment per socket, resuming after `?offset=N` (else a snapshot);
//   - registers the socket in the live-socket registry (closed on sign-out and revocation), pings
//     every 15 s (a peer that does not answer is dropped), and closes with a defined code and a
//     reason the browser shows (lib/server/terminal-frames.ts CLOSE).
//
// Flow control: the browser acks the output it has written; the agent stops sending past its ack
// budget, so a slow browser holds at most one budget in this process.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { registerSocket } from '@/lib/auth/live-sockets';
import type { Principal } from '@/lib/auth/principal';
import { authorizeTerminalSocket } from '@/lib/domain/terminals/terminals';
import type { TerminalAttachment, TerminalEvent } from '@/lib/hosts/terminal-host';
import type { Runtime } from './runtime';
import {
  CLOSE,
  decodeClientFrame,
  encodeJson,
  encodeOutput,
  encodePong,
  encodeSize,
  encodeSnapshot,
  S_CONTROL,
  S_ERROR,
  S_EXIT,
  TERMINAL_SUBPROTOCOL,
} from './terminal-frames';

export const PING_INTERVAL_MS = 15_000;
/** Output batched in one turn is sent once it reaches this size. */
const MAX_OUTPUT_FRAME = 256 * 1024;

type Log = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface TerminalSockets {
  /** Serves an upgrade of `/ws/terminals/{sessionId}` authenticated by authorizeUpgrade. */
  handle(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    sessionId: string,
    principal: Principal,
  ): void;
  /** Closes every terminal socket (shutdown): sessions keep running on their agents. */
  close(): void;
}

/** A close reason fits in 123 bytes of UTF-8. */
function reasonOf(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= 123) return text;
  return `${bytes
    .subarray(0, 120)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}…`;
}

function closeCodeOf(code: string | undefined): number {
  switch (code) {
    case 'UNAUTHENTICATED':
      return CLOSE.unauthenticated;
    case 'FORBIDDEN':
      return CLOSE.forbidden;
    case 'NOT_FOUND':
      return CLOSE.noSuchSession;
    case 'UNAVAILABLE':
      return CLOSE.agentUnreachable;
    default:
      return 1011;
  }
}

function dimension(value: string | null, fallback: number): number {
  const n = value === null ? NaN : Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : fallback;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export function terminalSockets(runtime: Runtime, log: Log): TerminalSockets {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    // Pick our protocol when offered; otherwise accept without one and close with 4426 below.
    handleProtocols: (offered) =>
      offered.has(TERMINAL_SUBPROTOCOL) ? TERMINAL_SUBPROTOCOL : false,
  });

  function serve(ws: WebSocket, url: URL, sessionId: string, principal: Principal): void {
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const pings: NodeJS.Timeout = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, PING_INTERVAL_MS);
    pings.unref();

    let closed = false;
    let attachment: TerminalAttachment | undefined;
    let unregister: (() => void) | undefined;
    const close = (code: number, reason: string) => {
      if (closed) return;
      sendOutput();
      closed = true;
      clearInterval(pings);
      unregister?.();
      attachment?.detach();
      ws.close(code, reasonOf(reason));
    };
    const send = (bytes: Uint8Array) => {
      if (!closed && ws.readyState === ws.OPEN) ws.send(bytes);
    };
    // Output the agent sends in one turn goes out as one frame (the pieces are contiguous): a
    // flood costs this process, the network and the browser one frame per turn, not one per
    // agent message. Any other event sends the batch first, so the order is kept.
    let batch: { offset: number; pieces: Uint8Array[]; bytes: number } | undefined;
    const sendOutput = () => {
      const pending = batch;
      batch = undefined;
      if (pending) send(encodeOutput(pending.offset, pending.pieces));
    };
    const queueOutput = (offset: number, data: Uint8Array) => {
      if (batch && batch.offset + batch.bytes !== offset) sendOutput();
      if (!batch) {
        batch = { offset, pieces: [], bytes: 0 };
        setImmediate(sendOutput);
      }
      batch.pieces.push(data);
      batch.bytes += data.length;
      if (batch.bytes >= MAX_OUTPUT_FRAME) sendOutput();
    };
    ws.on('close', () => {
      closed = true;
      clearInterval(pings);
      unregister?.();
      attachment?.detach();
    });
    ws.on('error', () => ws.terminate());

    if (ws.protocol !== TERMINAL_SUBPROTOCOL) {
      close(
        CLOSE.unsupportedProtocol,
        `Use the WebSocket subprotocol ${TERMINAL_SUBPROTOCOL} (docs/terminal-protocol.md).`,
      );
      return;
    }

    // Input may arrive before the agent attachment exists: keep it in order.
    const pending: Uint8Array[] = [];
    let readOnly = true;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        close(CLOSE.badFrame, 'Frames must be binary (docs/terminal-protocol.md).');
        return;
      }
      const bytes = toBytes(data);
      if (!attachment) {
        pending.push(bytes);
        return;
      }
      apply(bytes);
    });

    function apply(bytes: Uint8Array): void {
      const frame = decodeClientFrame(bytes);
      if (!frame) {
        close(CLOSE.badFrame, 'Unknown or malformed frame (docs/terminal-protocol.md).');
        return;
      }
      switch (frame.type) {
        case 'input':
          if (readOnly) {
            send(
              encodeJson(S_ERROR, {
                code: 'FORBIDDEN',
                message: 'This is a read-only view: input is not sent.',
              }),
            );
            return;
          }
          attachment!.write(frame.data);
          return;
        case 'resize':
          if (frame.cols >= 1 && frame.rows >= 1) attachment!.resize(frame.cols, frame.rows);
          return;
        case 'ack':
          attachment!.ack(frame.offset);
          return;
        case 'ping':
          send(encodePong(frame.payload));
          return;
      }
    }

    const offsetParam = url.searchParams.get('offset');
    const resumeOffset =
      offsetParam !== null && /^\d{1,15}$/.test(offsetParam) ? Number(offsetParam) : undefined;
    const cols = dimension(url.searchParams.get('cols'), 80);
    const rows = dimension(url.searchParams.get('rows'), 24);

    authorizeTerminalSocket(
      { store: runtime.store, principal, terminals: runtime.hosts },
      sessionId,
    ).then(
      (grant) => {
        if (closed) return;
        readOnly = grant.readOnly;
        unregister = registerSocket(
          {
            userId: principal.user.id,
            ...(principal.sessionId && { sessionId: principal.sessionId }),
            ...(principal.tokenId && { tokenId: principal.tokenId }),
            ecosystem: grant.ecosystem,
          },
          (code, reason) => close(code, reason),
        );
        const viewerId = randomUUID();
        const current = grant.terminals.attach(sessionId, {
          viewerId,
          userId: principal.user.id,
          readOnly: grant.readOnly,
          ...(resumeOffset !== undefined && { resumeOffset }),
          cols,
          rows,
        });
        attachment = current;
        current.onEvent((event) => forward(event, grant.workspace));
        void current.ended.then((end) => {
          switch (end.reason) {
            case 'exited':
              close(CLOSE.sessionEnded, `The session ended (${end.exit.reason}).`);
              return;
            case 'detached':
              close(CLOSE.normal, 'Detached.');
              return;
            case 'replaced':
              close(CLOSE.replaced, 'This view was replaced by a newer connection.');
              return;
            case 'failed':
              close(closeCodeOf(end.error.code), end.error.message);
              return;
          }
        });
        for (const bytes of pending.splice(0)) apply(bytes);
      },
      (error: unknown) => {
        const code = (error as { code?: string }).code;
        const message = error instanceof Error ? error.message : String(error);
        if (closeCodeOf(code) === 1011) {
          log('error', 'terminal socket failed', { sessionId, error: message });
          close(1011, 'The server failed to open this terminal.');
          return;
        }
        close(closeCodeOf(code), message);
      },
    );

    function forward(event: TerminalEvent, workspace: string): void {
      if (event.type === 'output') {
        queueOutput(event.offset, event.data);
        return;
      }
      sendOutput();
      switch (event.type) {
        case 'attached':
          send(
            encodeJson(S_CONTROL, {
              type: 'attached',
              sessionId: event.session.id,
              title: event.session.title,
              workspace,
              state: event.session.state,
              readOnly: event.readOnly,
              driver: event.driver,
              viewers: event.session.viewers.length,
            }),
          );
          return;
        case 'snapshot':
          send(encodeSnapshot(event.offset, event.cols, event.rows, event.data));
          return;
        case 'size':
          send(encodeSize(event.cols, event.rows));
          return;
        case 'viewers':
          send(
            encodeJson(S_CONTROL, {
              type: 'viewers',
              viewers: event.viewers.map((v) => ({
                userId: v.userId,
                readOnly: v.readOnly,
                driver: v.driver,
              })),
            }),
          );
          return;
        case 'exit':
          send(
            encodeJson(S_EXIT, {
              ...(event.exit.code !== undefined && { code: event.exit.code }),
              ...(event.exit.signal && { signal: event.exit.signal }),
              reason: event.exit.reason,
              at: event.exit.at.toISOString(),
            }),
          );
          return;
        case 'error':
          send(encodeJson(S_ERROR, { code: event.code, message: event.message }));
          return;
        case 'detached':
          return; // `ended` closes the socket
      }
    }
  }

  return {
    handle(req, socket, head, sessionId, principal) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, url, sessionId, principal));
    },
    close() {
      for (const ws of wss.clients) ws.close(1001, 'The server is restarting; reconnect.');
    },
  };
}
