import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame,
  decodeServerFrame,
  encodeAck,
  encodeInput,
  encodeJson,
  encodeOutput,
  encodePing,
  encodeResize,
  encodeSize,
  encodeSnapshot,
  S_CONTROL,
  S_ERROR,
  S_EXIT,
} from './terminal-frames';

describe('dvm.terminal.v1 frames', () => {
  it('round-trips client frames, with offsets beyond 32 bits', () => {
    expect(decodeClientFrame(encodeInput('ls\r'))).toEqual({
      type: 'input',
      data: new TextEncoder().encode('ls\r'),
    });
    expect(decodeClientFrame(encodeResize(300, 70))).toEqual({
      type: 'resize',
      cols: 300,
      rows: 70,
    });
    expect(decodeClientFrame(encodeAck(2 ** 40 + 7))).toEqual({ type: 'ack', offset: 2 ** 40 + 7 });
    expect(decodeClientFrame(encodePing(new Uint8Array([1, 2])))).toEqual({
      type: 'ping',
      payload: new Uint8Array([1, 2]),
    });
  });

  it('round-trips server frames; UTF-8 split across outputs stays bytes', () => {
    const euro = new TextEncoder().encode('€');
    expect(decodeServerFrame(encodeOutput(5, euro.subarray(0, 1)))).toEqual({
      type: 'output',
      offset: 5,
      data: euro.subarray(0, 1),
    });
    expect(decodeServerFrame(encodeSnapshot(2 ** 33, 80, 24, 'héllo\r\n'))).toEqual({
      type: 'snapshot',
      offset: 2 ** 33,
      cols: 80,
      rows: 24,
      text: 'héllo\r\n',
    });
    expect(decodeServerFrame(encodeSize(100, 30))).toEqual({ type: 'size', cols: 100, rows: 30 });
    const exit = { code: 0, reason: 'exited', at: '2026-01-01T00:00:00.000Z' };
    expect(decodeServerFrame(encodeJson(S_EXIT, exit))).toEqual({ type: 'exit', exit });
    expect(decodeServerFrame(encodeJson(S_CONTROL, { type: 'viewers' }))).toEqual({
      type: 'control',
      control: { type: 'viewers' },
    });
    expect(decodeServerFrame(encodeJson(S_ERROR, { code: 'X', message: 'y' }))).toMatchObject({
      type: 'error',
    });
  });

  it('rejects empty, unknown and truncated frames', () => {
    expect(decodeClientFrame(new Uint8Array(0))).toBeUndefined();
    expect(decodeClientFrame(new Uint8Array([0x7f]))).toBeUndefined();
    expect(decodeClientFrame(encodeResize(1, 1).subarray(0, 3))).toBeUndefined();
    expect(decodeClientFrame(encodeAck(1).subarray(0, 5))).toBeUndefined();
    expect(decodeServerFrame(new Uint8Array([0x10, 0]))).toBeUndefined();
  });
});
