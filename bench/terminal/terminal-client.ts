// A benchmark's terminal viewer: a Node WebSocket client of `/ws/terminals/{id}` speaking
// dvm.terminal.v1 (docs/terminal-protocol.md) the way the browser does
// (components/terminal/terminal-view.tsx): it checks that output offsets are contiguous and
// acknowledges what it has processed every 64 KiB, and at once after `attached` and a snapshot,
// so the agent's flow control keeps output coming.
import WebSocket from 'ws';
import {
  decodeServerFrame,
  encodeAck,
  encodeInput,
  TERMINAL_SUBPROTOCOL,
} from '../../lib/server/terminal-frames';

/** As components/terminal/terminal-view.tsx. */
const ACK_EVERY_BYTES = 64 * 1024;

export class TerminalClient {
  /** Bytes received in output frames. */
  outputBytes = 0;
  outputFrames = 0;
  snapshots = 0;
  private offset: number | undefined;
  private acked = 0;
  private readonly ws: WebSocket;
  private readonly outputListeners: ((data: Uint8Array) => void)[] = [];
  private readonly isAttached: Promise<void>;
  private readonly isExited: Promise<void>;
  private failure: Error | undefined;

  constructor(url: string, token: string) {
    this.ws = new WebSocket(url, [TERMINAL_SUBPROTOCOL], {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
    });
    this.ws.binaryType = 'nodebuffer';
    let onAttached!: () => void;
    let onExit!: () => void;
    let onFail!: (error: Error) => void;
    this.isAttached = new Promise((resolve, reject) => {
      onAttached = resolve;
      onFail = reject;
    });
    const exited = new Promise<void>((resolve, reject) => {
      onExit = resolve;
      this.ws.once('close', (code, reason) => {
        if (code === 4410) resolve();
        else reject(new Error(`the socket closed with ${code} ${reason.toString()}`));
      });
    });
    exited.catch(() => undefined);
    this.isExited = exited;
    this.ws.once('error', (error) => onFail(error));
    this.ws.once('unexpected-response', (_req, res) =>
      onFail(new Error(`the upgrade was refused: HTTP ${res.statusCode}`)),
    );
    this.ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(data);
      if (!frame) {
        this.fail(new Error(`undecodable frame ${data.subarray(0, 20).toString('hex')}`));
        return;
      }
      switch (frame.type) {
        case 'output': {
          if (this.offset !== undefined && frame.offset !== this.offset) {
            this.fail(new Error(`output at ${frame.offset}, expected ${this.offset}`));
            return;
          }
          this.offset = frame.offset + frame.data.length;
          this.outputBytes += frame.data.length;
          this.outputFrames += 1;
          for (const listener of this.outputListeners) listener(frame.data);
          if (this.offset - this.acked >= ACK_EVERY_BYTES) this.ack();
          return;
        }
        case 'snapshot':
          this.snapshots += 1;
          this.offset = frame.offset;
          this.ack();
          return;
        case 'control':
          if (frame.control.type === 'attached') {
            this.ack();
            onAttached();
          }
          return;
        case 'exit':
          onExit();
          return;
        case 'error':
          this.fail(new Error(`error frame: ${frame.error.code} ${frame.error.message}`));
          return;
        default:
          return;
      }
    });
  }

  private ack(): void {
    if (this.offset === undefined || this.ws.readyState !== WebSocket.OPEN) return;
    this.acked = this.offset;
    this.ws.send(encodeAck(this.offset));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.ws.terminate();
  }

  attached(): Promise<void> {
    return this.isAttached;
  }

  async exited(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.isExited,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no exit within ${timeoutMs} ms (${this.outputBytes} bytes)`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      throw this.failure ?? error;
    } finally {
      clearTimeout(timer);
    }
  }

  onOutput(listener: (data: Uint8Array) => void): void {
    this.outputListeners.push(listener);
  }

  send(data: Uint8Array): void {
    if (this.failure) throw this.failure;
    this.ws.send(encodeInput(data));
  }

  close(): void {
    this.ws.close(1000);
  }
}
