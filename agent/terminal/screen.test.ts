// The headless screen: snapshots render exactly the bytes up to their offset, carry no terminal
// queries, restore the alternate screen, keep characters split across writes, follow resizes in
// stream order.
import { createRequire } from 'node:module';
import type * as SerializeModule from '@xterm/addon-serialize';
import type * as HeadlessModule from '@xterm/headless';
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalScreen } from './screen';

const load = createRequire(import.meta.url);
const { Terminal } = load('@xterm/headless') as typeof HeadlessModule;
const { SerializeAddon } = load('@xterm/addon-serialize') as typeof SerializeModule;
const screens: TerminalScreen[] = [];

function screen(cols = 40, rows = 10): TerminalScreen {
  const s = new TerminalScreen({ cols, rows, scrollback: 100 });
  screens.push(s);
  return s;
}

/** Writes a snapshot into a fresh emulator, as a browser would, and reads its lines back. */
async function render(data: string, cols: number, rows: number) {
  const term = new Terminal({ cols, rows, scrollback: 100, allowProposedApi: true });
  const answers: string[] = [];
  term.onData((d) => answers.push(d));
  await new Promise<void>((resolve) => term.write(data, resolve));
  const buffer = term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i += 1) lines.push(buffer.getLine(i)!.translateToString(true));
  const result = { lines, type: buffer.type, answers, cursor: [buffer.cursorX, buffer.cursorY] };
  term.dispose();
  return result;
}

afterEach(() => {
  for (const s of screens.splice(0)) s.dispose();
});

describe('TerminalScreen', () => {
  it('renders exactly the bytes written before the snapshot, with their offset', async () => {
    const s = screen();
    s.write(Buffer.from('one\r\ntwo\r\n'));
    const first = s.snapshot();
    s.write(Buffer.from('three\r\n'));
    const [a, b] = [await first, await s.snapshot()];
    expect(a.offset).toBe(10);
    expect((await render(a.data, a.cols, a.rows)).lines.slice(0, 3)).toEqual(['one', 'two', '']);
    expect(b.offset).toBe(17);
    expect((await render(b.data, b.cols, b.rows)).lines.slice(0, 3)).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('carries no terminal query from history, so a fresh terminal answers nothing', async () => {
    const s = screen();
    // Device attributes, cursor position report, OSC 11 background colour query.
    s.write(Buffer.from('before\x1b[c\x1b[6n\x1b]11;?\x07after\r\n'));
    const snap = await s.snapshot();
    expect(snap.data).not.toContain('\x1b[c');
    expect(snap.data).not.toContain('\x1b[6n');
    expect(snap.data).not.toContain(']11;?');
    const rendered = await render(snap.data, snap.cols, snap.rows);
    expect(rendered.lines[0]).toBe('beforeafter');
    expect(rendered.answers).toEqual([]);
  });

  it('restores a full-screen program on the alternate screen', async () => {
    const s = screen(30, 5);
    s.write(Buffer.from('shell line\r\n$ '));
    s.write(Buffer.from('\x1b[?1049h\x1b[2J\x1b[HFULLSCREEN\x1b[3;5HX'));
    const snap = await s.snapshot();
    const rendered = await render(snap.data, snap.cols, snap.rows);
    expect(rendered.type).toBe('alternate');
    expect(rendered.lines[0]).toBe('FULLSCREEN');
    expect(rendered.lines[2]).toBe('    X');
  });

  it('keeps a UTF-8 character split across writes whole', async () => {
    const s = screen();
    const text = Buffer.from('é€😀', 'utf8');
    for (const byte of text) s.write(Buffer.from([byte]));
    const snap = await s.snapshot();
    expect(snap.offset).toBe(text.length);
    expect((await render(snap.data, snap.cols, snap.rows)).lines[0]).toBe('é€😀');
  });

  it('applies a resize at its point in the stream and reports it', async () => {
    const s = screen(20, 5);
    s.write(Buffer.from('a'.repeat(30)));
    s.resize(40, 6, 1);
    s.write(Buffer.from('\r\n' + 'b'.repeat(30)));
    const snap = await s.snapshot();
    expect([snap.cols, snap.rows, snap.sizeSeq]).toEqual([40, 6, 1]);
    const rendered = await render(snap.data, snap.cols, snap.rows);
    // The a's wrapped at 20 columns (before the resize) and reflowed; the b's fit one 40-column line.
    expect(rendered.lines.filter((l) => l.includes('b'))).toEqual(['b'.repeat(30)]);
  });

  it('shares one rendering between concurrent snapshots and caches it', async () => {
    const s = screen();
    s.write(Buffer.from('x'));
    const [a, b] = await Promise.all([s.snapshot(), s.snapshot()]);
    expect(a).toBe(b);
    expect(await s.snapshot()).toBe(a);
    s.write(Buffer.from('y'));
    expect((await s.snapshot()).offset).toBe(2);
  });

  it('loses only the screen whose emulator throws; the others keep rendering', async () => {
    const broken = screen();
    const healthy = screen();
    broken.write(Buffer.from('doomed'));
    healthy.write(Buffer.from('alive'));
    // Sessions only pass whole sizes; a fraction makes xterm throw inside the worker, as any
    // emulator bug would.
    broken.resize(80.5, 24, 1);
    await expect(broken.snapshot()).rejects.toThrow(/terminal screen is lost/);
    expect(broken.backlog).toBe(0);
    const snap = await healthy.snapshot();
    expect((await render(snap.data, snap.cols, snap.rows)).lines[0]).toBe('alive');
    healthy.write(Buffer.from('!'));
    expect((await healthy.snapshot()).offset).toBe(6);
  });

  describe('fast-forwarding a flood', () => {
    const LINE = 'the quick brown fox jumps over the lazy dog 0123456789\r\n';
    const flood = (bytes: number) => Buffer.from(LINE.repeat(Math.ceil(bytes / LINE.length)));

    /** What an emulator that parsed every byte serializes, for comparison with a snapshot. */
    async function reference(chunks: Buffer[], cols = 40, rows = 10): Promise<string> {
      const term = new Terminal({ cols, rows, scrollback: 100, allowProposedApi: true });
      const serializer = new SerializeAddon();
      term.loadAddon(serializer);
      for (const chunk of chunks) await new Promise<void>((resolve) => term.write(chunk, resolve));
      const data = serializer.serialize({ scrollback: 100 });
      term.dispose();
      return data;
    }

    /** Writes `parts` in 64 KiB chunks like an exec's output; a snapshot after each but the last. */
    async function feed(s: TerminalScreen, parts: Buffer[]) {
      let snapshot;
      for (const part of parts) {
        for (let at = 0; at < part.length; at += 64 * 1024)
          s.write(part.subarray(at, at + 64 * 1024));
        snapshot = await s.snapshot();
      }
      return snapshot!;
    }

    it('leaves out lines that scroll away unseen, and the screen is the same', async () => {
      const s = screen();
      const parts = [
        Buffer.from('\x1b[1;31mred\x1b[0m start\r\n\x1b[5;7H'),
        Buffer.concat([flood(1_500_000), Buffer.from('\x1b[32mgreen\x1b[0m\r\n'), flood(600_000)]),
        Buffer.from('$ \x1b[1mprompt'),
      ];
      const snap = await feed(s, parts);
      expect(s.skippedBytes).toBeGreaterThan(1_400_000);
      expect(snap.offset).toBe(parts.reduce((n, p) => n + p.length, 0));
      expect(snap.data).toBe(await reference(parts));
    });

    it('keeps every byte when the emulator stopped inside a sequence or a character', async () => {
      const cases: [Buffer, Buffer][] = [
        // The flood after it is plain text from its first byte: only the emulator's own state
        // says that "1m" ends a colour sequence, which turns the whole flood red.
        [Buffer.from('\x1b[3'), Buffer.from('1m')],
        [Buffer.from('\x1b]0;title '), Buffer.from('continued')],
        [Buffer.from([0xe2, 0x82]), Buffer.from([0xac])],
      ];
      for (const [cut, continued] of cases) {
        const s = screen();
        const parts = [
          Buffer.concat([Buffer.from('x'), cut]),
          Buffer.concat([continued, flood(1_200_000)]),
          Buffer.from('\x07end'),
        ];
        const snap = await feed(s, parts);
        expect(s.skippedBytes).toBe(0);
        expect(snap.data).toBe(await reference(parts));
      }
    });

    it('keeps every byte on the alternate screen and in a scroll region', async () => {
      for (const setup of ['\x1b[?1049h', '\x1b[3;8r']) {
        const s = screen();
        const parts = [
          Buffer.from(`top\r\n${setup}`),
          flood(1_200_000),
          Buffer.from('\x1b[?1049lend'),
        ];
        const snap = await feed(s, parts);
        expect(s.skippedBytes).toBe(0);
        expect(snap.data).toBe(await reference(parts));
      }
    });

    it('keeps every byte of lines without carriage returns', async () => {
      const s = screen();
      const parts = [Buffer.from('\x1b[5;20H'), Buffer.from('lf only\n'.repeat(150_000))];
      const snap = await feed(s, parts);
      expect(s.skippedBytes).toBe(0);
      expect(snap.data).toBe(await reference(parts));
    });
  });
});
