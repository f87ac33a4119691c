// The agent's terminal sessions: creates them (checking the request, finding a shell when no
// command is given, enforcing the per-agent limit), finds, lists and closes them, and ends them
// all when the agent shuts down. Sessions live here, not on any connection, so they outlive
// viewers, browsers and control-plane restarts; they do not outlive the agent process.
import { randomBytes } from 'node:crypto';
import { AppError, invalid, isAppError, type FieldError } from '../../lib/errors';
import type { ContainerRuntime } from '../runtime/container-runtime';
import { TerminalSession, type SessionConfig, type SessionInfo } from './session';

export interface TerminalManagerOptions {
  runtime: ContainerRuntime;
  /** Running sessions per agent; default 256. */
  maxSessions?: number;
  /** Default time a session may stay without viewers; default 30 minutes. */
  idleTimeoutMs?: number;
  /** How long an exited session stays listable; default 60 s. */
  exitedRetentionMs?: number;
  /** Output retained per session for resuming; default 2 MiB, at least 64 KiB. */
  windowBytes?: number;
  /** Unacknowledged output bytes per viewer before its output pauses; default 512 KiB. */
  ackBudgetBytes?: number;
  /** Scrollback lines the emulator keeps and snapshots carry; default 1000. */
  scrollback?: number;
  /** Viewers per session; default 64. */
  maxViewers?: number;
  /** How long a process waits for its driving viewer to read before going on without it. */
  paceLimitMs?: number;
}

export interface CreateTerminalRequest {
  container: string;
  /** Empty: the container's shell. */
  command?: string[];
  /** 0 or unset: 80×24. */
  cols?: number;
  rows?: number;
  title?: string;
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  ownerId?: string;
  /** 0 or unset: the manager's default. */
  idleTimeoutSeconds?: number;
}

export interface ListTerminalsFilter {
  container?: string;
  ownerId?: string;
}

export const TERMINAL_DEFAULTS = {
  maxSessions: 256,
  idleTimeoutMs: 30 * 60_000,
  exitedRetentionMs: 60_000,
  windowBytes: 8 * 1024 * 1024,
  ackBudgetBytes: 2 * 1024 * 1024,
  scrollback: 1000,
  maxViewers: 64,
  paceLimitMs: 1_000,
} as const;

const MIN_WINDOW_BYTES = 64 * 1024;
const MAX_IDLE_TIMEOUT_SECONDS = 7 * 24 * 3600;
const MAX_TEXT = 256;

/** Prints the first shell found; run with /bin/sh, which every workspace image has. */
const SHELL_PROBE =
  'for s in /bin/zsh /bin/bash /bin/sh; do if [ -x "$s" ]; then echo "$s"; exit 0; fi; done; exit 127';

export class TerminalSessionManager {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly runtime: ContainerRuntime;
  private readonly settings: Required<Omit<TerminalManagerOptions, 'runtime'>>;
  private starting = 0;
  private shuttingDown = false;

  constructor(options: TerminalManagerOptions) {
    this.runtime = options.runtime;
    this.settings = {
      maxSessions: options.maxSessions ?? TERMINAL_DEFAULTS.maxSessions,
      idleTimeoutMs: options.idleTimeoutMs ?? TERMINAL_DEFAULTS.idleTimeoutMs,
      exitedRetentionMs: options.exitedRetentionMs ?? TERMINAL_DEFAULTS.exitedRetentionMs,
      windowBytes: Math.max(MIN_WINDOW_BYTES, options.windowBytes ?? TERMINAL_DEFAULTS.windowBytes),
      ackBudgetBytes: options.ackBudgetBytes ?? TERMINAL_DEFAULTS.ackBudgetBytes,
      scrollback: options.scrollback ?? TERMINAL_DEFAULTS.scrollback,
      maxViewers: options.maxViewers ?? TERMINAL_DEFAULTS.maxViewers,
      paceLimitMs: options.paceLimitMs ?? TERMINAL_DEFAULTS.paceLimitMs,
    };
  }

  async create(request: CreateTerminalRequest): Promise<SessionInfo> {
    const checked = checkCreate(request);
    if (this.shuttingDown) {
      throw new AppError('UNAVAILABLE', 'The agent is shutting down: no new terminal sessions.');
    }
    const running = [...this.sessions.values()].filter((s) => s.running).length;
    if (running + this.starting >= this.settings.maxSessions) {
      throw new AppError(
        'CONFLICT',
        `This host already runs ${this.settings.maxSessions} terminal sessions, its limit: close one first.`,
      );
    }
    this.starting += 1;
    try {
      const command =
        checked.command.length > 0
          ? checked.command
          : await this.findShell(checked.container, checked.user, checked.env);
      const config: SessionConfig = {
        id: randomBytes(16).toString('base64url'),
        container: checked.container,
        command,
        title: checked.title || programName(command),
        ownerId: checked.ownerId,
        user: checked.user,
        workingDir: checked.workingDir,
        env: { TERM: 'xterm-256color', COLORTERM: 'truecolor', ...checked.env },
        cols: checked.cols,
        rows: checked.rows,
        idleTimeoutMs:
          checked.idleTimeoutSeconds > 0
            ? checked.idleTimeoutSeconds * 1000
            : this.settings.idleTimeoutMs,
        windowBytes: this.settings.windowBytes,
        ackBudgetBytes: this.settings.ackBudgetBytes,
        scrollback: this.settings.scrollback,
        exitedRetentionMs: this.settings.exitedRetentionMs,
        maxViewers: this.settings.maxViewers,
        paceLimitMs: this.settings.paceLimitMs,
      };
      const session = await TerminalSession.start(this.runtime, config, {
        onRemoved: (removed) => {
          if (this.sessions.get(removed.id) === removed) this.sessions.delete(removed.id);
        },
      });
      this.sessions.set(session.id, session);
      return session.info();
    } finally {
      this.starting -= 1;
    }
  }

  /** Sessions (running, and exited ones still retained), oldest first. */
  list(filter: ListTerminalsFilter = {}): SessionInfo[] {
    return [...this.sessions.values()]
      .map((s) => s.info())
      .filter(
        (info) =>
          (!filter.container || info.container === filter.container) &&
          (!filter.ownerId || info.ownerId === filter.ownerId),
      )
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  get(id: string): SessionInfo {
    return this.session(id).info();
  }

  /** The session, for attaching; NOT_FOUND when unknown or gone. */
  session(id: string): TerminalSession {
    const session = typeof id === 'string' ? this.sessions.get(id) : undefined;
    if (!session) {
      throw new AppError(
        'NOT_FOUND',
        `No terminal session "${id}" on this host (it may have ended).`,
      );
    }
    return session;
  }

  /** Ends the session's process; its viewers get the exit. */
  close(id: string): Promise<SessionInfo> {
    return this.session(id).close('closed');
  }

  /** Ends every session (the agent is stopping). */
  async shutdown(waitMs = 3_000): Promise<void> {
    this.shuttingDown = true;
    await Promise.all(
      [...this.sessions.values()].map((s) =>
        s.running ? s.close('agent_shutdown', waitMs) : undefined,
      ),
    );
  }

  private async findShell(
    container: string,
    user: string,
    env: Record<string, string>,
  ): Promise<string[]> {
    let stdout = '';
    let exitCode: number;
    try {
      const probe = await this.runtime.exec(
        container,
        { command: ['/bin/sh', '-c', SHELL_PROBE], tty: false, env, ...(user ? { user } : {}) },
        (data, stream) => {
          if (stream === 'stdout') stdout += data.toString('utf8');
        },
      );
      ({ exitCode } = await probe.exited);
    } catch (error) {
      if (isAppError(error) && error.code !== 'INTERNAL') throw error;
      exitCode = -1;
    }
    const shell = stdout.trim();
    if (exitCode !== 0 || !shell.startsWith('/')) {
      throw invalid(
        `No shell found in "${container}" (looked for /bin/zsh, /bin/bash and /bin/sh): give a command.`,
        [{ path: 'command', message: 'Required: the container has no shell the agent knows.' }],
      );
    }
    return [shell, '-l'];
  }
}

interface CheckedCreate {
  container: string;
  command: string[];
  cols: number;
  rows: number;
  title: string;
  env: Record<string, string>;
  user: string;
  workingDir: string;
  ownerId: string;
  idleTimeoutSeconds: number;
}

// Titles and ids end up in terminal tab titles and logs: no control characters (escape sequences).

/** The request with defaults, or INVALID naming every bad field (the runtime checks the rest). */
function checkCreate(request: CreateTerminalRequest): CheckedCreate {
  const errors: FieldError[] = [];
  const text = (value: unknown, path: string): string => {
    if (value === undefined || value === null) return '';
    if (
      typeof value !== 'string' ||
      value.length > MAX_TEXT ||
      [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
    ) {
      errors.push({
        path,
        message: `Text of at most ${MAX_TEXT} characters, no control characters.`,
      });
      return '';
    }
    return value;
  };
  const size = (value: unknown, path: string, fallback: number): number => {
    if (value === undefined || value === null || value === 0) return fallback;
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 10_000) {
      errors.push({ path, message: 'A whole number from 1 to 10000.' });
      return fallback;
    }
    return value as number;
  };
  const container = text(request.container, 'container');
  if (!container) errors.push({ path: 'container', message: 'Required.' });
  const command = request.command ?? [];
  if (!Array.isArray(command) || command.some((part) => typeof part !== 'string')) {
    errors.push({ path: 'command', message: 'A list of strings.' });
  }
  const idle = request.idleTimeoutSeconds ?? 0;
  if (!Number.isInteger(idle) || idle < 0 || idle > MAX_IDLE_TIMEOUT_SECONDS) {
    errors.push({
      path: 'idleTimeoutSeconds',
      message: `Whole seconds, at most ${MAX_IDLE_TIMEOUT_SECONDS} (7 days); 0 for the default.`,
    });
  }
  const checked: CheckedCreate = {
    container,
    command: Array.isArray(command) ? command : [],
    cols: size(request.cols, 'cols', 80),
    rows: size(request.rows, 'rows', 24),
    title: text(request.title, 'title'),
    env: request.env ?? {},
    user: text(request.user, 'user'),
    workingDir: text(request.workingDir, 'workingDir'),
    ownerId: text(request.ownerId, 'ownerId'),
    idleTimeoutSeconds: Number.isInteger(idle) ? idle : 0,
  };
  if (errors.length > 0) throw invalid('The terminal session request is invalid.', errors);
  return checked;
}

function programName(command: string[]): string {
  const program = command[0] ?? 'terminal';
  return program.slice(program.lastIndexOf('/') + 1) || program;
}
