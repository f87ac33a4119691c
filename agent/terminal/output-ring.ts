// A terminal session's retained output: the last `capacity` bytes of an endless byte stream, each
// byte addressed by its absolute offset since the session began. Writing never blocks and never
// fails: the oldest bytes are overwritten, which moves `start` forward. Memory grows with the
// output (doubling from 64 KiB) up to `capacity`, so quiet sessions stay small.
const INITIAL_BYTES = 64 * 1024;

export class OutputRing {
  private buffer: Buffer;
  private total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError('The output window must be a positive whole number of bytes.');
    }
    this.buffer = Buffer.alloc(Math.min(capacity, INITIAL_BYTES));
  }

  /** The offset the next byte will have (= bytes written so far). */
  get end(): number {
    return this.total;
  }

  /** The oldest offset still held. */
  get start(): number {
    return Math.max(0, this.total - this.capacity);
  }

  write(data: Uint8Array): void {
    let chunk = data;
    if (chunk.length > this.capacity) {
      this.total += chunk.length - this.capacity;
      chunk = chunk.subarray(chunk.length - this.capacity);
    }
    this.reserve(this.total + chunk.length);
    const at = this.total % this.capacity;
    const first = Math.min(chunk.length, this.capacity - at);
    this.buffer.set(chunk.subarray(0, first), at);
    if (first < chunk.length) this.buffer.set(chunk.subarray(first), 0);
    this.total += chunk.length;
  }

  /** A copy of the bytes from `from` (at least `start`) up to `to` (at most `end`). */
  read(from: number, to: number = this.total): Buffer {
    if (from < this.start || to > this.total || from > to) {
      throw new RangeError(
        `Bytes ${from}..${to} are outside the window ${this.start}..${this.end}.`,
      );
    }
    const length = to - from;
    const at = from % this.capacity;
    const first = Math.min(length, this.capacity - at);
    const out = Buffer.allocUnsafe(length);
    this.buffer.copy(out, 0, at, at + first);
    if (first < length) this.buffer.copy(out, first, 0, length - first);
    return out;
  }

  /**
   * Grows the buffer to hold offsets up to `needed`. Until the stream first reaches `capacity`
   * nothing has wrapped, so offsets are indices and a plain copy keeps them.
   */
  private reserve(needed: number): void {
    if (this.buffer.length >= this.capacity || needed <= this.buffer.length) return;
    let size = this.buffer.length;
    while (size < needed) size *= 2;
    const grown = Buffer.alloc(Math.min(this.capacity, size));
    this.buffer.copy(grown, 0, 0, this.total);
    this.buffer = grown;
  }
}
