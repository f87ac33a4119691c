// The output window: absolute offsets, wrap-around, eviction, exact reads.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OutputRing } from './output-ring';

describe('OutputRing', () => {
  it('keeps the last `capacity` bytes of everything written, addressed by absolute offset', () => {
    const ring = new OutputRing(1000);
    const all: Buffer[] = [];
    for (let i = 0; i < 500; i += 1) {
      const chunk = randomBytes(1 + ((i * 37) % 300));
      ring.write(chunk);
      all.push(chunk);
      const history = Buffer.concat(all);
      expect(ring.end).toBe(history.length);
      expect(ring.start).toBe(Math.max(0, history.length - 1000));
      const from = ring.start + ((i * 13) % (ring.end - ring.start + 1));
      expect(ring.read(from).equals(history.subarray(from))).toBe(true);
      expect(
        ring.read(ring.start, ring.start + 1).equals(history.subarray(ring.start, ring.start + 1)),
      ).toBe(true);
    }
  });

  it('grows from 64 KiB to its capacity without losing offsets, then wraps', () => {
    const capacity = 300_000;
    const ring = new OutputRing(capacity);
    const all: Buffer[] = [];
    for (let i = 0; i < 40; i += 1) {
      const chunk = randomBytes(1 + ((i * 7919) % 50_000));
      ring.write(chunk);
      all.push(chunk);
      const history = Buffer.concat(all);
      expect(ring.read(ring.start).equals(history.subarray(ring.start))).toBe(true);
    }
    expect(ring.start).toBeGreaterThan(0);
  });

  it('takes a chunk larger than itself, keeping its tail', () => {
    const ring = new OutputRing(16);
    ring.write(Buffer.from('abc'));
    const big = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    ring.write(big);
    expect(ring.end).toBe(3 + big.length);
    expect(ring.start).toBe(ring.end - 16);
    expect(ring.read(ring.start).toString()).toBe('klmnopqrstuvwxyz');
  });

  it('refuses reads outside the window and returns copies', () => {
    const ring = new OutputRing(8);
    ring.write(Buffer.from('0123456789'));
    expect(() => ring.read(1)).toThrow(RangeError);
    expect(() => ring.read(2, 11)).toThrow(RangeError);
    const copy = ring.read(2);
    ring.write(Buffer.from('xxxxxxxx'));
    expect(copy.toString()).toBe('23456789');
    expect(ring.read(10, 10).length).toBe(0);
  });
});
