// The browser-facing terminal WebSocket framing (subprotocol `dvm.terminal.v1`, documented in
// docs/terminal-protocol.md): binary frames whose first byte is the type. Shared by the browser
// (components/terminal), the control plane (lib/server/terminal-socket.ts) and tests: no Node APIs.

export const TERMINAL_SUBPROTOCOL = 'dvm.terminal.v1';

/** Client → server. */
export const C_INPUT = 0x00;
export const C_RESIZE = 0x01;
export const C_ACK = 0x02;
export const C_PING = 0x03;

/** Server → client. */
export const S_OUTPUT = 0x10;
export const S_SNAPSHOT = 0x11;
export const S_SIZE = 0x12;
export const S_PONG = 0x13;
export const S_EXIT = 0x14;
export const S_CONTROL = 0x15;
export const S_ERROR = 0x16;

/** Close codes (reasons are human-readable and shown to the user). */
export const CLOSE = {
  normal: 1000,
  badFrame: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  noSuchSession: 4404,
  replaced: 4409,
  sessionEnded: 4410,
  unsupportedProtocol: 4426,
  agentUnreachable: 4500,
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(type: number, size: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(1 + size);
  bytes[0] = type;
  return { bytes, view: new DataView(bytes.buffer) };
}

export function encodeInput(data: Uint8Array | string): Uint8Array {
  const payload = typeof data === 'string' ? encoder.encode(data) : data;
  const { bytes } = frame(C_INPUT, payload.length);
  bytes.set(payload, 1);
  return bytes;
}

export function encodeResize(cols: number, rows: number): Uint8Array {
  const { bytes, view } = frame(C_RESIZE, 4);
  view.setUint16(1, cols);
  view.setUint16(3, rows);
  return bytes;
}

export function encodeAck(offset: number): Uint8Array {
  const { bytes, view } = frame(C_ACK, 8);
  view.setBigUint64(1, BigInt(offset));
  return bytes;
}

export function encodePing(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const { bytes } = frame(C_PING, payload.length);
  bytes.set(payload, 1);
  return bytes;
}

/** One output frame; `data` may come in contiguous pieces (joined into the frame). */
export function encodeOutput(offset: number, data: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const pieces = data instanceof Uint8Array ? [data] : data;
  const { bytes, view } = frame(S_OUTPUT, 8 + pieces.reduce((n, p) => n + p.length, 0));
  view.setBigUint64(1, BigInt(offset));
  let at = 9;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return bytes;
}

export function encodeSnapshot(offset: number, cols: number, rows: number, text: string) {
  const payload = encoder.encode(text);
  const { bytes, view } = frame(S_SNAPSHOT, 12 + payload.length);
  view.setBigUint64(1, BigInt(offset));
  view.setUint16(9, cols);
  view.setUint16(11, rows);
  bytes.set(payload, 13);
  return bytes;
}

export function encodeSize(cols: number, rows: number): Uint8Array {
  const { bytes, view } = frame(S_SIZE, 4);
  view.setUint16(1, cols);
  view.setUint16(3, rows);
  return bytes;
}

export function encodeJson(type: number, value: unknown): Uint8Array {
  const payload = encoder.encode(JSON.stringify(value));
  const { bytes } = frame(type, payload.length);
  bytes.set(payload, 1);
  return bytes;
}

export function encodePong(payload: Uint8Array): Uint8Array {
  const { bytes } = frame(S_PONG, payload.length);
  bytes.set(payload, 1);
  return bytes;
}

export type ClientFrame =
  | { type: 'input'; data: Uint8Array }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'ack'; offset: number }
  | { type: 'ping'; payload: Uint8Array };

export interface TerminalExitInfo {
  code?: number;
  signal?: string;
  reason: string;
  at: string;
}

export type ServerFrame =
  | { type: 'output'; offset: number; data: Uint8Array }
  | { type: 'snapshot'; offset: number; cols: number; rows: number; text: string }
  | { type: 'size'; cols: number; rows: number }
  | { type: 'pong'; payload: Uint8Array }
  | { type: 'exit'; exit: TerminalExitInfo }
  | { type: 'control'; control: Record<string, unknown> }
  | { type: 'error'; error: { code: string; message: string } };

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Undefined for a frame that is empty, of an unknown type or too short. */
export function decodeClientFrame(bytes: Uint8Array): ClientFrame | undefined {
  if (bytes.length === 0) return undefined;
  const view = viewOf(bytes);
  switch (bytes[0]) {
    case C_INPUT:
      return { type: 'input', data: bytes.subarray(1) };
    case C_RESIZE:
      if (bytes.length !== 5) return undefined;
      return { type: 'resize', cols: view.getUint16(1), rows: view.getUint16(3) };
    case C_ACK:
      if (bytes.length !== 9) return undefined;
      return { type: 'ack', offset: Number(view.getBigUint64(1)) };
    case C_PING:
      return { type: 'ping', payload: bytes.subarray(1) };
    default:
      return undefined;
  }
}

export function decodeServerFrame(bytes: Uint8Array): ServerFrame | undefined {
  if (bytes.length === 0) return undefined;
  const view = viewOf(bytes);
  const json = () => JSON.parse(decoder.decode(bytes.subarray(1))) as never;
  switch (bytes[0]) {
    case S_OUTPUT:
      if (bytes.length < 9) return undefined;
      return { type: 'output', offset: Number(view.getBigUint64(1)), data: bytes.subarray(9) };
    case S_SNAPSHOT:
      if (bytes.length < 13) return undefined;
      return {
        type: 'snapshot',
        offset: Number(view.getBigUint64(1)),
        cols: view.getUint16(9),
        rows: view.getUint16(11),
        text: decoder.decode(bytes.subarray(13)),
      };
    case S_SIZE:
      if (bytes.length !== 5) return undefined;
      return { type: 'size', cols: view.getUint16(1), rows: view.getUint16(3) };
    case S_PONG:
      return { type: 'pong', payload: bytes.subarray(1) };
    case S_EXIT:
      return { type: 'exit', exit: json() };
    case S_CONTROL:
      return { type: 'control', control: json() };
    case S_ERROR:
      return { type: 'error', error: json() };
    default:
      return undefined;
  }
}
