// Browser terminals (issue P1.6), end to end over the socket: the production server with its
// embedded local agent, a real Docker engine, sessions opened through REST and attached with a
// Node WebSocket client speaking `dvm.terminal.v1` (docs/terminal-protocol.md). Echo, lossless
// resume by offset across a forced drop, read-only viewers, the Origin allowlist, refusals as
// close codes, and DELETE ending the session.
//
// Needs a prior `next build` and the Docker engine from scripts/with-test-env.sh.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE, encodeResize, TERMINAL_SUBPROTOCOL } from '@/lib/server/terminal-frames';
import { TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD } from '@/lib/testing/api-client';
import {
  startTerminalWorkspace,
  TerminalClient,
  type TerminalSessionInfo,
  type TerminalWorkspace,
} from '@/lib/testing/terminal-e2e';
import { launchChromium } from '@/lib/testing/test-env';

let env: TerminalWorkspace;
let viewerToken: string;
let browser: Browser | undefined;

beforeAll(async () => {
  env = await startTerminalWorkspace('terminals');
  viewerToken = (await env.member('viewer')).token;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
}, 60_000);

describe('terminal sessions over /ws/terminals/{id}', () => {
  it('opens a session through REST, lists it, and echoes over the socket', async () => {
    const session = await env.openSession();
    expect(session.socketPath).toBe(`/ws/terminals/${session.id}`);
    const listed = (await env.api.must('GET', `${env.workspacePath}/terminals`, 200)).json<{
      items: TerminalSessionInfo[];
    }>();
    expect(listed.items.map((s) => s.id)).toContain(session.id);

    const client = env.client(session);
    await client.open();
    expect(client.ws.protocol).toBe(TERMINAL_SUBPROTOCOL);
    client.ws.send(encodeResize(100, 30));
    client.send('echo hel""lo\r');
    await client.until('echo hello', () => /^hello\r?$/m.test(client.text));
    // The owner drives the size: the TTY has it.
    client.send('stty size\r');
    await client.until('stty size', () => /^30 100\r?$/m.test(client.text));
    // Multi-byte characters arrive intact (decoded as a stream across frames).
    client.send("printf '\\342\\202\\254%.0s' $(seq 1 2000); echo\r");
    await client.until('2000 euro signs', () => client.text.includes('€'.repeat(2000)));
    expect(client.text).not.toContain('\uFFFD');
    const control = client.frames.find((f) => f.type === 'control');
    expect(control).toMatchObject({ control: { type: 'attached', readOnly: false } });
    client.ws.close();

    const audit = await env.api.must('GET', '/api/v1/audit?action=terminal.open', 200);
    expect(audit.text).toContain(session.id);
  }, 60_000);

  it('resumes after a forced drop with ?offset=N: no gap, no duplicate', async () => {
    const session = await env.openSession(['/bin/sh']);
    const first = env.client(session);
    await first.open();
    // A pause at 1000 makes sure the drop happens mid-stream.
    first.send(
      'i=0; while [ $i -lt 3000 ]; do echo n$i; i=$((i+1)); [ $i -eq 1000 ] && sleep 1; done; echo DO""NE\r',
    );
    await first.until('some numbers', () => /n5\d\d\r?\n/.test(first.text));
    first.ws.terminate(); // a network drop, not a goodbye
    const offset = first.offset!;
    const before = first.text;

    const second = env.client(session, { query: `?offset=${offset}` });
    await second.open();
    await second.until('the end', () => second.text.includes('DONE\r\n'), 30_000);
    expect(before).not.toContain('n2999');
    expect(second.frames.some((f) => f.type === 'snapshot')).toBe(false);
    const numbers = [...(before + second.text).matchAll(/^n(\d+)\r?$/gm)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    second.ws.close();
  }, 60_000);

  it('resumes losslessly across a control-plane restart (the session lives on the agent)', async () => {
    const session = await env.openSession(['/bin/sh']);
    const first = env.client(session);
    await first.open();
    first.send(
      'i=0; while [ $i -lt 3000 ]; do echo r$i; i=$((i+1)); [ $((i % 600)) -eq 0 ] && sleep 1; done; echo FINI""SHED\r',
    );
    await first.until('some numbers', () => /r1\d\d\r?\n/.test(first.text));
    const offset = first.offset!;
    const before = first.text;
    // The embedded agent (and the session) keep running while the control plane is down.
    const restarted = env.restartServer();
    await first.closedWith();
    await restarted;
    const second = env.client(session, { query: `?offset=${offset}` });
    await second.open();
    await second.until('the end', () => (before + second.text).includes('FINISHED\r\n'), 30_000);
    expect(second.frames.some((f) => f.type === 'snapshot')).toBe(false);
    const numbers = [...(before + second.text).matchAll(/^r(\d+)\r?$/gm)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    second.ws.close();
  }, 90_000);

  it('gives a reader a read-only view: input is refused and never reaches the shell', async () => {
    const session = await env.openSession(['/bin/sh']);
    const owner = env.client(session);
    await owner.open();
    const viewer = env.client(session, { token: viewerToken });
    await viewer.open();
    await viewer.until('attached', () => viewer.frames.some((f) => f.type === 'control'));
    expect(viewer.frames.find((f) => f.type === 'control')).toMatchObject({
      control: { type: 'attached', readOnly: true },
    });
    viewer.send('echo INTR""UDER\r');
    await viewer.until('refused', () =>
      viewer.frames.some((f) => f.type === 'error' && f.error.code === 'FORBIDDEN'),
    );
    owner.send('echo OW""NER\r');
    await viewer.until('the owner typing, seen by the viewer', () => viewer.text.includes('OWNER'));
    expect(owner.text).not.toContain('INTRUDER');
    // The viewer may not close it either.
    await env.api
      .as(viewerToken)
      .must('DELETE', `${env.workspacePath}/terminals/${session.id}`, 403);
    owner.ws.close();
    viewer.ws.close();
  }, 60_000);

  it('refuses a foreign Origin (403), no credential (401), another subprotocol (4426) and unknown sessions (4404)', async () => {
    const session = await env.openSession(['/bin/sh']);
    const foreign = env.client(session, { origin: 'https://evil.example' });
    await expect(foreign.open()).rejects.toThrow('HTTP 403');

    // No credential: refused before the upgrade (401 problem+json, as every /ws/ path).
    const anonymous = env.client(session, { token: null });
    await expect(anonymous.open()).rejects.toThrow('HTTP 401');

    // Offering only another protocol fails the handshake (no protocol is picked), as in browsers;
    // offering none gets a socket closed at once with 4426.
    const other = env.client(session, { protocol: 'something.else' });
    await expect(other.open()).rejects.toThrow();
    const none = env.client(session, { protocol: null });
    await none.open();
    const refused = await none.closedWith();
    expect(refused.code).toBe(CLOSE.unsupportedProtocol);
    expect(refused.reason).toContain(TERMINAL_SUBPROTOCOL);

    const unknown = new TerminalClient(
      `${env.api.baseUrl.replace(/^http/, 'ws')}/ws/terminals/AAAAAAAAAAAAAAAAAAAAAA`,
      { token: env.api.token },
    );
    await unknown.open();
    const closed = await unknown.closedWith();
    expect(closed.code).toBe(CLOSE.noSuchSession);
    expect(closed.reason).toContain('not found');
  }, 60_000);

  it('DELETE ends the session: attached sockets get the exit and close 4410', async () => {
    const session = await env.openSession(['/bin/sh']);
    const client = env.client(session);
    await client.open();
    await client.until('attached', () => client.frames.some((f) => f.type === 'control'));
    const ended = (
      await env.api.must('DELETE', `${env.workspacePath}/terminals/${session.id}`, 200)
    ).json<TerminalSessionInfo>();
    expect(ended.state).toBe('exited');
    const closed = await client.closedWith();
    expect(closed.code).toBe(CLOSE.sessionEnded);
    expect(client.frames.some((f) => f.type === 'exit')).toBe(true);
  }, 60_000);
});

describe('the Terminals section of the workspace page, in Chromium', () => {
  it('opens a terminal, runs echo hello, and shows the same session and screen after a reload', async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: env.api.baseUrl });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto('/signin');
    await page.getByLabel('Email').fill(TEST_ADMIN_EMAIL);
    await page.getByLabel('Password').fill(TEST_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/');

    await page.goto(env.pagePath);
    const before = new Set(
      (await env.api.must('GET', `${env.workspacePath}/terminals`, 200))
        .json<{ items: TerminalSessionInfo[] }>()
        .items.map((s) => s.id),
    );
    await page.getByRole('button', { name: 'New terminal' }).click();
    const terminal = page.getByTestId('terminal');
    // The page may have shown an older session first: wait for the new one.
    await expect
      .poll(async () => before.has((await terminal.getAttribute('data-session')) ?? ''), {
        timeout: 15_000,
      })
      .toBe(false);
    await terminal.and(page.locator('[data-status="open"]')).waitFor({ timeout: 15_000 });
    const sessionId = await terminal.getAttribute('data-session');
    expect(sessionId).toBeTruthy();
    await page.locator('.xterm').click();
    await page.keyboard.type('echo hel""lo');
    await page.keyboard.press('Enter');
    const rows = page.locator('.xterm-rows');
    await expect.poll(() => rows.innerText(), { timeout: 10_000 }).toMatch(/^hello\s*$/m);

    await page.reload();
    await terminal.and(page.locator('[data-status="open"]')).waitFor({ timeout: 15_000 });
    expect(await terminal.getAttribute('data-session')).toBe(sessionId);
    await expect.poll(() => rows.innerText(), { timeout: 10_000 }).toMatch(/^hello\s*$/m);
    expect(await rows.innerText()).toContain('echo hel""lo');
    expect(problems).toEqual([]);
  }, 90_000);
});
