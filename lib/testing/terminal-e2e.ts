// End-to-end harness for browser terminals (issue P1.6): the production server with its embedded
// local agent, a running busybox workspace on the real Docker engine, and a Node WebSocket client
// speaking `dvm.terminal.v1` (docs/terminal-protocol.md) that checks the output is gap-free.
//
//   const env = await startTerminalWorkspace('terminals');
//   const session = await env.openSession(['/bin/sh']);
//   const client = env.client(session);
//   await client.open();
//   client.send('echo hi\r');
//   await client.until('hi', () => client.text.includes('hi'));
//   await env.stop();
//
// Needs a prior `next build` and the Docker engine from scripts/with-test-env.sh.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import WebSocket from 'ws';
import { localAgentFiles, stopLocalAgent } from '@/lib/hosts/local-agent-process';
import {
  decodeServerFrame,
  encodeAck,
  encodeInput,
  encodeResize,
  type ServerFrame,
  TERMINAL_SUBPROTOCOL,
} from '@/lib/server/terminal-frames';
import { openDataStore } from '@/lib/store/open-data-store';
import {
  type ApiServer,
  startApiServer,
  waitForHealthyHost,
  workspaceHierarchy,
} from './api-client';
import { PROJECT_ROOT } from './server-process';
import { dockerConnection, requireBaseImage, requireService } from './test-env';

/** A session as `POST …/terminals` answers it. */
export interface TerminalSessionInfo {
  id: string;
  socketPath: string;
  title: string;
  state: string;
  ownerId: string;
  viewers: unknown[];
}

export interface TerminalClientOptions {
  /** `Bearer` token; `null` sends none. */
  token: string | null;
  origin?: string;
  /** The subprotocol offered; `null` offers none. Default `dvm.terminal.v1`. */
  protocol?: string | null;
}

/**
 * One socket: every decoded frame, the output as text (decoded as a stream), and how it closed.
 * It acknowledges each output frame as it processes it, like a browser that keeps up; a gap or an
 * overlap in output offsets is recorded in `problems` (and fails `until`).
 */
export class TerminalClient {
  readonly frames: ServerFrame[] = [];
  text = '';
  /** The end of the output processed so far (the resume offset). */
  offset: number | undefined;
  closed?: { code: number; reason: string };
  /** Protocol violations seen (an output frame not starting where the previous one ended). */
  readonly problems: string[] = [];
  readonly ws: WebSocket;
  private readonly decoder = new TextDecoder();
  private readonly opened: Promise<void>;

  constructor(url: string, options: TerminalClientOptions) {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.origin) headers.origin = options.origin;
    const protocols = options.protocol === null ? [] : [options.protocol ?? TERMINAL_SUBPROTOCOL];
    this.ws = new WebSocket(url, protocols, { headers });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(new Uint8Array(data));
      if (!frame) {
        this.problems.push(`undecodable frame ${data.toString('hex').slice(0, 40)}`);
        return;
      }
      this.frames.push(frame);
      if (frame.type === 'output') {
        if (this.offset !== undefined && frame.offset !== this.offset) {
          this.problems.push(`output at ${frame.offset}, expected ${this.offset}`);
        }
        this.text += this.decoder.decode(frame.data, { stream: true });
        this.offset = frame.offset + frame.data.length;
        this.ws.send(encodeAck(this.offset));
      } else if (frame.type === 'snapshot') {
        this.text += frame.text;
        this.offset = frame.offset;
        // A snapshot restarts the sequence; so does the byte stream's decoder.
        this.decoder.decode();
        this.ws.send(encodeAck(this.offset));
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

  resize(cols: number, rows: number): void {
    this.ws.send(encodeResize(cols, rows));
  }

  /** The output frames received so far. */
  outputs(): Extract<ServerFrame, { type: 'output' }>[] {
    return this.frames.filter((f) => f.type === 'output');
  }

  async until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (this.problems.length > 0) throw new Error(`${what}: ${this.problems.join('; ')}`);
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

export interface TerminalWorkspace {
  /** This run's ecosystem name (unique), also the workspace page's path segment. */
  readonly run: string;
  /** `/api/v1/ecosystems/{run}/domains/dom/apps/app/workspaces/dev` */
  readonly workspacePath: string;
  /** `/ecosystems/{run}/domains/dom/apps/app/workspaces/dev`, the page. */
  readonly pagePath: string;
  readonly dataDir: string;
  readonly docker: Docker;
  /** The current server (replaced by restartServer). */
  readonly api: ApiServer;
  /** `POST …/terminals` as the administrator. */
  openSession(command?: string[]): Promise<TerminalSessionInfo>;
  socketUrl(session: TerminalSessionInfo, query?: string): string;
  /** A client of the session's socket, as the administrator unless `token` says otherwise. */
  client(
    session: TerminalSessionInfo,
    options?: Partial<TerminalClientOptions> & { query?: string },
  ): TerminalClient;
  /** A new user with `role` in this ecosystem, and a write-scope token of theirs. */
  member(role: 'viewer' | 'developer' | 'owner'): Promise<{ id: string; token: string }>;
  /** Runs `cmd` in the workspace's container (not through a terminal): its stdout. */
  exec(cmd: string[]): Promise<string>;
  /** Stops the control plane and starts it again on the same data (the agent lives on). */
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

const MEMBER_PASSWORD = 'terminal member password 123';

/** Starts the server, waits for the local host, applies and starts a busybox workspace. */
export async function startTerminalWorkspace(
  name: string,
  /** More environment for the server and its local agent (e.g. DVM_AGENT_TERMINAL_WINDOW). */
  extraEnv: Record<string, string> = {},
): Promise<TerminalWorkspace> {
  requireService('docker');
  const baseImage = requireBaseImage();
  const docker = new Docker(dockerConnection());
  const run = `tm${process.pid.toString(36)}${Date.now().toString(36)}`;
  const workspacePath = `/api/v1/ecosystems/${run}/domains/dom/apps/app/workspaces/dev`;
  const root = mkdtempSync(path.join(tmpdir(), 'dvm-term-'));
  const dataDir = path.join(root, 'data');
  mkdirSync(path.join(root, 'allowed', 'src'), { recursive: true });
  const env = {
    DVM_LOCAL_AGENT: 'on',
    DVM_DATA_DIR: dataDir,
    DVM_ALLOWED_PATHS: path.join(root, 'allowed'),
    DVM_HEARTBEAT_INTERVAL_MS: '300',
    ...extraEnv,
  };
  let api: ApiServer | undefined;
  let members = 0;

  async function stop(): Promise<void> {
    await api?.stop();
    await stopLocalAgent(localAgentFiles(dataDir));
    const leftovers = await docker.listContainers({
      all: true,
      filters: { label: [`io.devopsmaestro.ecosystem=${run}`] },
    });
    for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true });
    rmSync(root, { recursive: true, force: true });
  }

  try {
    api = await startApiServer({ name, env });
    // The local host must be healthy before a workspace can start there.
    await waitForHealthyHost(api);
    await api.must('POST', '/api/v1/apply', 200, {
      json: workspaceHierarchy(
        { ecosystem: run, domain: 'dom', app: 'app', workspace: 'dev' },
        path.join(root, 'allowed', 'src'),
        baseImage,
      ),
    });
    await api.must('POST', `${workspacePath}/start`, 200);
  } catch (error) {
    await stop();
    throw error;
  }

  const workspace: TerminalWorkspace = {
    run,
    workspacePath,
    pagePath: `/ecosystems/${run}/domains/dom/apps/app/workspaces/dev`,
    dataDir,
    docker,
    get api() {
      return api!;
    },
    async openSession(command) {
      const answer = await api!.must('POST', `${workspacePath}/terminals`, 201, {
        json: { title: 'test', ...(command && { command }) },
      });
      const session = answer.json<TerminalSessionInfo>();
      const location = answer.headers.get('location');
      if (location !== `${workspacePath}/terminals/${session.id}`) {
        throw new Error(`POST …/terminals answered Location ${location} for ${session.id}`);
      }
      return session;
    },
    socketUrl(session, query = '') {
      return `${api!.baseUrl.replace(/^http/, 'ws')}${session.socketPath}${query}`;
    },
    client(session, options = {}) {
      const { query, ...rest } = options;
      return new TerminalClient(workspace.socketUrl(session, query), {
        ...rest,
        token: rest.token === undefined ? api!.token : rest.token,
      });
    },
    async member(role) {
      const email = `${role}-${++members}-${run}@terminals.test`;
      const created = await api!.must('POST', '/api/v1/users', 201, {
        json: { email, name: role, password: MEMBER_PASSWORD },
      });
      const id = created.json<{ id: string }>().id;
      const store = await openDataStore({ dataDir, projectRoot: PROJECT_ROOT });
      try {
        await store.users.update(id, { mustChangePassword: false });
      } finally {
        await store.close();
      }
      await api!.must('PUT', `/api/v1/ecosystems/${run}/members`, 200, {
        json: { userId: id, role },
      });
      return { id, token: await api!.mintToken(email, MEMBER_PASSWORD, 'write') };
    },
    async exec(cmd) {
      const [found] = await docker.listContainers({
        filters: { label: [`io.devopsmaestro.ecosystem=${run}`], status: ['running'] },
      });
      if (!found) throw new Error(`no running container of ecosystem ${run}`);
      const container = docker.getContainer(found.Id);
      const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      stdout.on('data', (chunk: Buffer) => out.push(chunk));
      stderr.on('data', (chunk: Buffer) => err.push(chunk));
      docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve, reject) => {
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      const { ExitCode } = await exec.inspect();
      if (ExitCode !== 0) {
        throw new Error(`${cmd.join(' ')} exited ${ExitCode}: ${Buffer.concat(err).toString()}`);
      }
      return Buffer.concat(out).toString();
    },
    async restartServer() {
      await api!.stop();
      api = undefined;
      api = await startApiServer({ name: `${name}-restarted`, env });
    },
    stop,
  };
  return workspace;
}
