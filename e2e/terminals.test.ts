// Browser terminals (issue P1.6), end to end over the socket: the production server with its
// embedded local agent, a real Docker engine, sessions opened through REST and attached with a
// Node WebSocket client speaking `dvm.terminal.v1` (docs/terminal-protocol.md). Echo, lossless
// resume by offset across a forced drop, read-only viewers, the Origin allowlist, refusals as
// close codes, and DELETE ending the session.
//
// Needs a prior `next build` and the Docker engine from scripts/with-test-env.sh.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { localAgentFiles } from '@/lib/hosts/local-agent-process';
import {
  CLOSE,
  decodeServerFrame,
  encodeAck,
  encodeInput,
  encodeResize,
  type ServerFrame,
  TERMINAL_SUBPROTOCOL,
} from '@/lib/server/terminal-frames';
import {
  type ApiServer,
  startApiServer,
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
} from '@/lib/testing/api-client';
import { openDataStore } from '@/lib/store/open-data-store';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import {
  dockerConnection,
  launchChromium,
  requireBaseImage,
  requireService,
} from '@/lib/testing/test-env';

const run = `tm${process.pid.toString(36)}${Date.now().toString(36)}`;
const WS = `/api/v1/ecosystems/${run}/domains/dom/apps/app/workspaces/dev`;
const PASSWORD = 'terminal viewer password 123';

let docker: Docker;
let root: string;
let dataDir: string;
let api: ApiServer;
let viewerToken: string;
let browser: Browser | undefined;

interface Session {
  id: string;
  socketPath: string;
  title: string;
  state: string;
  viewers: unknown[];
}

/** One socket: every decoded frame, the output as text, and how it closed. */
class Client {
  readonly frames: ServerFrame[] = [];
  text = '';
  /** The end of the output processed so far (the resume offset). */
  offset: number | undefined;
  closed?: { code: number; reason: string };
  readonly ws: WebSocket;
  private readonly decoder = new TextDecoder();
  private readonly opened: Promise<void>;

  constructor(
    url: string,
    options: { token?: string | null; origin?: string; protocol?: string | null },
  ) {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? api.token : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.origin) headers.origin = options.origin;
    const protocols = options.protocol === null ? [] : [options.protocol ?? TERMINAL_SUBPROTOCOL];
    this.ws = new WebSocket(url, protocols, { headers });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(new Uint8Array(data));
      if (!frame) throw new Error(`undecodable frame ${data.toString('hex').slice(0, 40)}`);
      this.frames.push(frame);
      if (frame.type === 'output') {
        if (this.offset !== undefined && frame.offset !== this.offset) {
          throw new Error(`output at ${frame.offset}, expected ${this.offset}`);
        }
        this.text += this.decoder.decode(frame.data, { stream: true });
        this.offset = frame.offset + frame.data.length;
        this.ws.send(encodeAck(this.offset));
      } else if (frame.type === 'snapshot') {
        this.text += frame.text;
        this.offset = frame.offset;
      }
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
  }

  open(): Promise<void> {
    return this.opened;
  }

  send(text: string): void {
    this.ws.send(encodeInput(text));
  }

  async until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) {
        throw new Error(
          `${what}: not within ${timeoutMs} ms; output tail ${JSON.stringify(this.text.slice(-300))}, closed ${JSON.stringify(this.closed)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async closedWith(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    await this.until('close', () => this.closed !== undefined, timeoutMs);
    return this.closed!;
  }
}

function socketUrl(session: Session, query = ''): string {
  return `${api.baseUrl.replace(/^http/, 'ws')}${session.socketPath}${query}`;
}

async function openSession(command?: string[]): Promise<Session> {
  const answer = await api.must('POST', `${WS}/terminals`, 201, {
    json: { title: 'test', ...(command && { command }) },
  });
  expect(answer.headers.get('location')).toBe(`${WS}/terminals/${answer.json<Session>().id}`);
  return answer.json<Session>();
}

beforeAll(async () => {
  requireService('docker');
  const baseImage = requireBaseImage();
  docker = new Docker(dockerConnection());
  root = mkdtempSync(path.join(tmpdir(), 'dvm-term-'));
  dataDir = path.join(root, 'data');
  mkdirSync(path.join(root, 'allowed', 'src'), { recursive: true });
  api = await startApiServer({
    name: 'terminals',
    env: {
      DVM_LOCAL_AGENT: 'on',
      DVM_DATA_DIR: dataDir,
      DVM_ALLOWED_PATHS: path.join(root, 'allowed'),
      DVM_HEARTBEAT_INTERVAL_MS: '300',
    },
  });
  // The local host must be healthy before a workspace can start there.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const host = await api.request('GET', '/api/v1/hosts/local');
    if (
      host.status === 200 &&
      host.json<{ status: { status: string } }>().status.status === 'healthy'
    )
      break;
    if (Date.now() > deadline) throw new Error(`host local not healthy: ${host.text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await api.must('POST', '/api/v1/apply', 200, {
    yaml: `apiVersion: devopsmaestro.io/v1
kind: Ecosystem
metadata: {name: ${run}}
---
apiVersion: devopsmaestro.io/v1
kind: Domain
metadata: {name: dom, ecosystem: ${run}}
---
apiVersion: devopsmaestro.io/v1
kind: App
metadata: {name: app, ecosystem: ${run}, domain: dom}
spec: {path: ${path.join(root, 'allowed', 'src')}}
---
apiVersion: devopsmaestro.io/v1
kind: Workspace
metadata: {name: dev, ecosystem: ${run}, domain: dom, app: app}
spec: {image: {name: "${baseImage}"}}
`,
  });
  await api.must('POST', `${WS}/start`, 200);

  const email = `viewer-${run}@terminals.test`;
  const created = await api.must('POST', '/api/v1/users', 201, {
    json: { email, name: 'viewer', password: PASSWORD },
  });
  const id = created.json<{ id: string }>().id;
  const store = await openDataStore({ dataDir, projectRoot: PROJECT_ROOT });
  await store.users.update(id, { mustChangePassword: false });
  await store.close();
  await api.must('PUT', `/api/v1/ecosystems/${run}/members`, 200, {
    json: { userId: id, role: 'viewer' },
  });
  viewerToken = await api.mintToken(email, PASSWORD, 'write');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  if (dataDir) {
    const { stopLocalAgent } = await import('@/lib/hosts/local-agent-process');
    await stopLocalAgent(localAgentFiles(dataDir));
  }
  if (docker) {
    const leftovers = await docker.listContainers({
      all: true,
      filters: { label: [`io.devopsmaestro.ecosystem=${run}`] },
    });
    for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true });
  }
  if (root) rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('terminal sessions over /ws/terminals/{id}', () => {
  it('opens a session through REST, lists it, and echoes over the socket', async () => {
    const session = await openSession();
    expect(session.socketPath).toBe(`/ws/terminals/${session.id}`);
    const listed = (await api.must('GET', `${WS}/terminals`, 200)).json<{ items: Session[] }>();
    expect(listed.items.map((s) => s.id)).toContain(session.id);

    const client = new Client(socketUrl(session), {});
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

    const audit = await api.must('GET', '/api/v1/audit?action=terminal.open', 200);
    expect(audit.text).toContain(session.id);
  }, 60_000);

  it('resumes after a forced drop with ?offset=N: no gap, no duplicate', async () => {
    const session = await openSession(['/bin/sh']);
    const first = new Client(socketUrl(session), {});
    await first.open();
    // A pause at 1000 makes sure the drop happens mid-stream.
    first.send(
      'i=0; while [ $i -lt 3000 ]; do echo n$i; i=$((i+1)); [ $i -eq 1000 ] && sleep 1; done; echo DO""NE\r',
    );
    await first.until('some numbers', () => /n5\d\d\r?\n/.test(first.text));
    first.ws.terminate(); // a network drop, not a goodbye
    const offset = first.offset!;
    const before = first.text;

    const second = new Client(socketUrl(session, `?offset=${offset}`), {});
    await second.open();
    await second.until('the end', () => second.text.includes('DONE\r\n'), 30_000);
    expect(before).not.toContain('n2999');
    expect(second.frames.some((f) => f.type === 'snapshot')).toBe(false);
    const numbers = [...(before + second.text).matchAll(/^n(\d+)\r?$/gm)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    second.ws.close();
  }, 60_000);

  it('resumes losslessly across a control-plane restart (the session lives on the agent)', async () => {
    const session = await openSession(['/bin/sh']);
    const first = new Client(socketUrl(session), {});
    await first.open();
    first.send(
      'i=0; while [ $i -lt 3000 ]; do echo r$i; i=$((i+1)); [ $((i % 600)) -eq 0 ] && sleep 1; done; echo FINI""SHED\r',
    );
    await first.until('some numbers', () => /r1\d\d\r?\n/.test(first.text));
    await api.stop(); // the embedded agent (and the session) keep running
    const offset = first.offset!;
    const before = first.text;
    await first.closedWith();
    api = await startApiServer({
      name: 'terminals-restarted',
      env: {
        DVM_LOCAL_AGENT: 'on',
        DVM_DATA_DIR: dataDir,
        DVM_ALLOWED_PATHS: path.join(root, 'allowed'),
        DVM_HEARTBEAT_INTERVAL_MS: '300',
      },
    });
    const second = new Client(socketUrl(session, `?offset=${offset}`), {});
    await second.open();
    await second.until('the end', () => (before + second.text).includes('FINISHED\r\n'), 30_000);
    expect(second.frames.some((f) => f.type === 'snapshot')).toBe(false);
    const numbers = [...(before + second.text).matchAll(/^r(\d+)\r?$/gm)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    second.ws.close();
  }, 90_000);

  it('gives a reader a read-only view: input is refused and never reaches the shell', async () => {
    const session = await openSession(['/bin/sh']);
    const owner = new Client(socketUrl(session), {});
    await owner.open();
    const viewer = new Client(socketUrl(session), { token: viewerToken });
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
    await api.as(viewerToken).must('DELETE', `${WS}/terminals/${session.id}`, 403);
    owner.ws.close();
    viewer.ws.close();
  }, 60_000);

  it('refuses a foreign Origin (403), no credential (401), another subprotocol (4426) and unknown sessions (4404)', async () => {
    const session = await openSession(['/bin/sh']);
    const foreign = new Client(socketUrl(session), { origin: 'https://evil.example' });
    await expect(foreign.open()).rejects.toThrow('HTTP 403');

    // No credential: refused before the upgrade (401 problem+json, as every /ws/ path).
    const anonymous = new Client(socketUrl(session), { token: null });
    await expect(anonymous.open()).rejects.toThrow('HTTP 401');

    // Offering only another protocol fails the handshake (no protocol is picked), as in browsers;
    // offering none gets a socket closed at once with 4426.
    const other = new Client(socketUrl(session), { protocol: 'something.else' });
    await expect(other.open()).rejects.toThrow();
    const none = new Client(socketUrl(session), { protocol: null });
    await none.open();
    const refused = await none.closedWith();
    expect(refused.code).toBe(CLOSE.unsupportedProtocol);
    expect(refused.reason).toContain(TERMINAL_SUBPROTOCOL);

    const unknown = new Client(
      `${api.baseUrl.replace(/^http/, 'ws')}/ws/terminals/AAAAAAAAAAAAAAAAAAAAAA`,
      {},
    );
    await unknown.open();
    const closed = await unknown.closedWith();
    expect(closed.code).toBe(CLOSE.noSuchSession);
    expect(closed.reason).toContain('not found');
  }, 60_000);

  it('DELETE ends the session: attached sockets get the exit and close 4410', async () => {
    const session = await openSession(['/bin/sh']);
    const client = new Client(socketUrl(session), {});
    await client.open();
    await client.until('attached', () => client.frames.some((f) => f.type === 'control'));
    const ended = (await api.must('DELETE', `${WS}/terminals/${session.id}`, 200)).json<Session>();
    expect(ended.state).toBe('exited');
    const closed = await client.closedWith();
    expect(closed.code).toBe(CLOSE.sessionEnded);
    expect(client.frames.some((f) => f.type === 'exit')).toBe(true);
  }, 60_000);
});

describe('the Terminals section of the workspace page, in Chromium', () => {
  it('opens a terminal, runs echo hello, and shows the same session and screen after a reload', async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ baseURL: api.baseUrl });
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

    await page.goto(`/ecosystems/${run}/domains/dom/apps/app/workspaces/dev`);
    const before = new Set(
      (await api.must('GET', `${WS}/terminals`, 200))
        .json<{ items: Session[] }>()
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
