// Browser terminals (issue P1.6) under stress, end to end through the real path: WebSocket client
// or Chromium → server.ts `/ws/terminals/{id}` → embedded agent → Docker exec with a TTY.
//
//   - the snapshot path: a reconnect from an offset older than the window gets a snapshot of the
//     current screen (a full-screen program included), never the old bytes;
//   - no stray characters: a browser opening a session whose history holds terminal queries does
//     not answer them into the shell;
//   - the owner's resize reaches the TTY (`stty size`), a non-owner's does not;
//   - UTF-8 split across output frames reassembles intact;
//   - a stalled viewer slows neither another viewer nor the process, and resumes as the protocol
//     says (docs/terminal-protocol.md, "Flow control").
//
// Needs a prior `next build` and the Docker engine from scripts/with-test-env.sh.
import { createRequire } from 'node:module';
import type * as HeadlessModule from '@xterm/headless';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S_OUTPUT, S_SNAPSHOT, type ServerFrame } from '@/lib/server/terminal-frames';
import { TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD } from '@/lib/testing/api-client';
import {
  startTerminalWorkspace,
  type TerminalClient,
  type TerminalWorkspace,
} from '@/lib/testing/terminal-e2e';
import { launchChromium } from '@/lib/testing/test-env';

// CommonJS without named ESM exports (as agent/terminal/screen.ts loads it).
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof HeadlessModule;

/**
 * The agent's retained window, set small here (the default is 8 MiB) so that the floods that
 * must pass it stay short; output beyond it is gone. The ack budget is set to match.
 */
const WINDOW_BYTES = 2 * 1024 * 1024;
const ACK_BUDGET_BYTES = 512 * 1024;

let env: TerminalWorkspace;
let browser: Browser | undefined;

beforeAll(async () => {
  env = await startTerminalWorkspace('terminal-resilience', {
    DVM_AGENT_TERMINAL_WINDOW: String(WINDOW_BYTES),
    DVM_AGENT_TERMINAL_ACK_BUDGET: String(ACK_BUDGET_BYTES),
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
}, 60_000);

interface Screen {
  buffer: 'normal' | 'alternate';
  cursor: [number, number];
  lines: string[];
}

/** What an xterm.js of `cols`×`rows` shows after writing `chunks` in order. */
async function render(cols: number, rows: number, chunks: (string | Uint8Array)[]) {
  return renderFrames(
    cols,
    rows,
    chunks.map((data) => ({ type: 'output', data })),
  );
}

/**
 * What a browser's xterm.js shows after applying `frames` as docs/terminal-protocol.md says
 * (a snapshot resets the terminal and resizes it; output is written as bytes).
 */
async function renderFrames(
  cols: number,
  rows: number,
  frames: (
    { type: 'output'; data: string | Uint8Array } | Extract<ServerFrame, { type: 'snapshot' }>
  )[],
) {
  const term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  for (const frame of frames) {
    if (frame.type === 'snapshot') {
      await new Promise<void>((resolve) => term.write('', resolve));
      term.reset();
      term.resize(frame.cols, frame.rows);
      term.write(frame.text);
    } else term.write(frame.data);
  }
  await new Promise<void>((resolve) => term.write('', resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < term.rows; y++) {
    lines.push(buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '');
  }
  const screen: Screen = { buffer: buffer.type, cursor: [buffer.cursorX, buffer.cursorY], lines };
  term.dispose();
  return screen;
}

/** Output and snapshot frames, in order (what moves a viewer's position). */
function dataFrames(client: TerminalClient) {
  return client.frames.filter(
    (f): f is Extract<ServerFrame, { type: 'output' | 'snapshot' }> =>
      f.type === 'output' || f.type === 'snapshot',
  );
}

/** Resolves once no output has arrived for `quietMs`. */
async function quiet(client: TerminalClient, quietMs = 500, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let seen = client.frames.length;
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`output did not settle within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (client.frames.length !== seen) {
      seen = client.frames.length;
      since = Date.now();
    }
  }
}

describe('terminal sessions under stress, through /ws/terminals/{id}', () => {
  it('reconnecting from an offset older than the window gets a snapshot of the current screen, full-screen program included', async () => {
    const session = await env.openSession(['/bin/sh']);
    const live = env.client(session);
    await live.open();
    live.send(`printf 'alpha line\\nbeta line\\n' > /tmp/vi.txt; seq 1 400000; echo SEQ""-END\r`);
    await live.until('the flood', () => live.text.includes('SEQ-END\r\n'), 90_000);
    expect(live.offset).toBeGreaterThan(WINDOW_BYTES);
    live.send('vi /tmp/vi.txt\r');
    await live.until('vi drew its screen', () => /vi\.txt \d+\/\d+/.test(live.text.slice(-4000)));
    await quiet(live);
    // What a browser attached all along shows: every output byte rendered in order.
    const liveScreen = await render(
      80,
      24,
      live.outputs().map((f) => f.data),
    );
    expect(liveScreen.buffer).toBe('alternate');
    expect(liveScreen.lines[0]).toBe('alpha line');
    expect(liveScreen.lines[1]).toBe('beta line');
    expect(liveScreen.lines[2]).toMatch(/^~/);
    const end = live.offset!;
    live.ws.close();

    const late = env.client(session, { query: '?offset=0' });
    await late.open();
    await late.until('a snapshot', () => dataFrames(late).length > 0);
    const [first] = dataFrames(late);
    // Not the old bytes (offset 0 left the window long ago): the screen as of now.
    expect(first!.type).toBe('snapshot');
    const snapshot = first as Extract<ServerFrame, { type: 'snapshot' }>;
    expect(snapshot.offset).toBe(end);
    expect([snapshot.cols, snapshot.rows]).toEqual([80, 24]);
    expect(snapshot.text.length).toBeLessThan(256 * 1024);
    expect(snapshot.text).not.toContain('\r\n1\r\n2\r\n3\r\n');
    const snapshotScreen = await render(snapshot.cols, snapshot.rows, [snapshot.text]);
    expect(snapshotScreen).toEqual(liveScreen);

    // Leaving vi restores the normal screen the snapshot carried underneath: the flood's tail.
    late.send(':q!\r');
    late.send('echo BACK""AGAIN\r');
    await late.until('the shell again', () => /^BACKAGAIN\r?$/m.test(late.text));
    await quiet(late, 300);
    const after = await render(80, 24, [snapshot.text, ...late.outputs().map((f) => f.data)]);
    expect(after.buffer).toBe('normal');
    const shown = after.lines.join('\n');
    expect(shown).toMatch(/^399999$/m);
    expect(shown).toMatch(/^400000$/m);
    expect(shown).toMatch(/^SEQ-END$/m);
    expect(shown).toMatch(/^BACKAGAIN$/m);
    expect(late.problems).toEqual([]);
    late.ws.close();
  }, 120_000);

  it("the owner's resize reaches the TTY (stty size); a non-owner's does not", async () => {
    const session = await env.openSession(['/bin/sh']);
    const developer = await env.member('developer');
    const owner = env.client(session);
    await owner.open();
    owner.resize(100, 30);
    owner.send('stty size\r');
    await owner.until('30 100', () => /^30 100\r?$/m.test(owner.text));

    // A writable member who is not the owner: may type, may not size the TTY.
    const other = env.client(session, { token: developer.token, query: '?cols=50&rows=10' });
    await other.open();
    await other.until('attached', () => other.frames.some((f) => f.type === 'control'));
    expect(other.frames.find((f) => f.type === 'control')).toMatchObject({
      control: { type: 'attached', readOnly: false, driver: false },
    });
    other.resize(50, 10);
    // The authoritative size comes back to letterbox to.
    await other.until('told the size', () =>
      other.frames.some((f) => f.type === 'size' && f.cols === 100 && f.rows === 30),
    );
    other.send('stty size; echo SI""ZED\r');
    await other.until('stty from the other viewer', () => /^SIZED\r?$/m.test(other.text));
    expect(other.text).toMatch(/^30 100\r?$/m);
    expect(other.text).not.toMatch(/^10 50\r?$/m);
    owner.send('stty size; echo OWN""ER-CHECK\r');
    await owner.until('stty from the owner', () => /^OWNER-CHECK\r?$/m.test(owner.text));
    expect(owner.text).not.toMatch(/^10 50\r?$/m);

    // The owner resizes again: the TTY follows, and the other viewer is told.
    owner.resize(120, 40);
    owner.send('stty size\r');
    await owner.until('40 120', () => /^40 120\r?$/m.test(owner.text));
    await other.until('told the new size', () =>
      other.frames.some((f) => f.type === 'size' && f.cols === 120 && f.rows === 40),
    );
    expect(owner.problems).toEqual([]);
    expect(other.problems).toEqual([]);
    owner.ws.close();
    other.ws.close();
  }, 60_000);

  it('UTF-8 characters split across output frames arrive intact', async () => {
    const session = await env.openSession(['/bin/sh']);
    const client = env.client(session);
    await client.open();
    const unit = 'é€😀'; // 2 + 3 + 4 bytes: frame boundaries fall inside characters
    const count = 30_000;
    client.send(
      `echo BE""GIN; printf '\\303\\251\\342\\202\\254\\360\\237\\230\\200%.0s' $(seq 1 ${count}); echo; echo EN""D\r`,
    );
    await client.until('the end', () => /^END\r?$/m.test(client.text), 60_000);
    const outputs = client.outputs();
    const bytes = Buffer.concat(outputs.map((f) => f.data));
    // Reassembled from the frames, the bytes are valid UTF-8 (fatal decoder) …
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const printed = /BEGIN\r\n(.*)\r\nEND\r\n/s.exec(text);
    expect(printed, 'BEGIN … END in the output').not.toBeNull();
    // … and exactly the characters printed, nothing lost, doubled or replaced.
    expect(printed![1]).toBe(unit.repeat(count));
    expect(client.text).not.toContain('\uFFFD');
    // The test means something only if some frame began inside a character.
    const split = outputs.filter((f) => f.data.length > 0 && (f.data[0]! & 0xc0) === 0x80);
    expect(split.length).toBeGreaterThan(0);
    client.ws.close();
  }, 90_000);

  it('a stalled viewer slows neither another viewer nor the process, and resumes by a snapshot', async () => {
    const session = await env.openSession(['/bin/sh']);
    const reader = env.client(session);
    await reader.open();
    await reader.until('the prompt', () => dataFrames(reader).length > 0);
    await quiet(reader, 300);
    // One flood is ~1.8 MB: less than the window, so a reader that keeps reading is never behind
    // by more than the window (and never gets a snapshot); two of them are more than the window.
    const lines = 240_000;
    let floods = 0;
    /** Runs one flood; the reader must get every line, in order, without a snapshot. */
    const flood = async (what: string) => {
      const marker = `FLOOD-${++floods}-DONE`;
      const framesBefore = reader.frames.length;
      const textBefore = reader.text.length;
      const started = Date.now();
      reader.send(`seq 1 ${lines}; echo ${marker.replace('-', '""-')}\r`);
      await reader.until(what, () => reader.text.includes(`${marker}\r\n`), 90_000);
      const ms = Date.now() - started;
      const snapshots = reader.frames.slice(framesBefore).filter((f) => f.type === 'snapshot');
      expect(snapshots, `${what}: the reader fell back to a snapshot`).toEqual([]);
      const numbers = reader.text
        .slice(textBefore)
        .match(/^\d+\r?$/gm)!
        .map((n) => Number(n));
      expect(numbers, what).toEqual(Array.from({ length: lines }, (_, i) => i + 1));
      return ms;
    };

    const alone = await flood('the flood with the reader alone');

    const stalled = env.client(session);
    await stalled.open();
    await stalled.until('attached', () => stalled.frames.some((f) => f.type === 'control'));
    await quiet(stalled, 300);
    // It attached with no offset: a snapshot of the screen first (the resume rule).
    expect(dataFrames(stalled)[0]?.type).toBe('snapshot');
    const stalledAt = stalled.offset!;
    const seenBeforeStall = dataFrames(stalled).length;
    // It stops reading (and so acknowledging): its TCP connection backs up.
    stalled.ws.pause();

    // The process runs to its end twice while the stalled viewer acknowledges nothing, and the
    // reader gets every line each time, no slower than alone beyond noise.
    const beside = [
      await flood('the first flood next to a stalled viewer'),
      await flood('the second flood next to a stalled viewer'),
    ];
    for (const ms of beside) expect(ms).toBeLessThan(Math.max(3 * alone, alone + 5_000));

    // Resumed: it gets what it was sent (at most one ack budget), then — its position having left
    // the window meanwhile — one snapshot, and live output from there.
    stalled.ws.resume();
    reader.send('echo RESU""MED\r');
    await stalled.until('live again', () => /^RESUMED\r?$/m.test(stalled.text), 30_000);
    const frames = dataFrames(stalled).slice(seenBeforeStall);
    const snapshots = frames.filter((f) => f.type === 'snapshot');
    expect(snapshots).toHaveLength(1);
    const sentBefore = frames
      .slice(0, frames.indexOf(snapshots[0]!))
      .reduce((sum, f) => sum + (f.type === 'output' ? f.data.length : 0), 0);
    expect(sentBefore).toBeLessThanOrEqual(2 * ACK_BUDGET_BYTES);
    expect(snapshots[0]!.offset - (stalledAt + sentBefore)).toBeGreaterThan(WINDOW_BYTES);
    // And it ends up showing what the reader shows.
    await quiet(stalled, 300);
    expect(await renderFrames(80, 24, dataFrames(stalled))).toEqual(
      await renderFrames(80, 24, dataFrames(reader)),
    );
    expect(stalled.problems).toEqual([]);
    expect(reader.problems).toEqual([]);
    reader.ws.close();
    stalled.ws.close();
  }, 240_000);
});

describe('a browser opening a session whose history holds terminal queries', () => {
  it('sends no stray characters to the shell (the queries are not answered again)', async () => {
    const session = await env.openSession(['/bin/sh']);
    const node = env.client(session);
    await node.open();
    // Device attributes (primary, secondary) and a cursor position report: a terminal that
    // replays them answers with input. Then more than the window, then a process that records
    // every byte the terminal sends it.
    node.send(
      `printf '\\033[c\\033[6n\\033[>c'; seq 1 400000; echo FLO""OD-DONE; cat -v > /tmp/stray.txt; echo CAT""-DONE\r`,
    );
    await node.until('the flood', () => node.text.includes('FLOOD-DONE\r\n'), 90_000);
    expect(node.offset).toBeGreaterThan(WINDOW_BYTES);
    await quiet(node);
    const beforeBrowser = node.text.length;

    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: env.api.baseUrl });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // The type byte of every frame the page's terminal socket receives.
    const received: number[] = [];
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string') received.push(payload[0]!);
      });
    });
    await page.goto('/signin');
    await page.getByLabel('Email').fill(TEST_ADMIN_EMAIL);
    await page.getByLabel('Password').fill(TEST_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(`${env.pagePath}?terminal=${session.id}`);
    const terminal = page.getByTestId('terminal');
    await terminal.and(page.locator(`[data-session="${session.id}"]`)).waitFor();
    await terminal.and(page.locator('[data-status="open"]')).waitFor({ timeout: 15_000 });
    // Rendered: the flood's end is on the screen.
    const rows = page.locator('.xterm-rows');
    await expect.poll(() => rows.innerText(), { timeout: 15_000 }).toMatch(/^FLOOD-DONE\s*$/m);
    expect(await rows.innerText()).toMatch(/^400000\s*$/m);
    // It got there by a snapshot (0x11), not by output (0x10) replayed from the window.
    expect(received.find((type) => type === S_OUTPUT || type === S_SNAPSHOT)).toBe(S_SNAPSHOT);
    // Give any answer time to travel browser → control plane → agent → TTY.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // A line of our own proves cat was recording; then end it.
    node.send('MARK\r');
    node.send('\x04');
    await node.until('cat ended', () => /^CAT-DONE\r?$/m.test(node.text));
    expect(await env.exec(['cat', '/tmp/stray.txt'])).toBe('MARK\n');
    // Nor did the TTY echo anything but our line while the browser was attached.
    expect(node.text.slice(beforeBrowser)).not.toContain('^[');

    // The control: a query in LIVE output is answered by this same browser (as a terminal must),
    // so the silence above is the snapshot's doing, not a browser that never answers.
    const mark = node.text.length;
    node.send(`printf '\\033[c'; cat -v > /tmp/live.txt; echo LI""VE-DONE\r`);
    // The TTY echoes the answer it receives (as ^[[?…c): wait for it before ending cat.
    await node.until('the live answer', () => /\^\[\[\?[\d;]+c/.test(node.text.slice(mark)));
    node.send('MARK\r');
    node.send('\x04');
    await node.until('the second cat ended', () => /^LIVE-DONE\r?$/m.test(node.text));
    expect(await env.exec(['cat', '/tmp/live.txt'])).toMatch(/^\^\[\[\?[\d;]+cMARK\n$/);
    expect(problems).toEqual([]);
    node.ws.close();
  }, 180_000);
});
