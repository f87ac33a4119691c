// Test support: `dvm-agent` as a real child process (node --import tsx agent/main.ts, from the
// repository root), its JSON log lines, and waiting for a line or for the exit.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface AgentProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  lines(): LogLine[];
  /** The first log line with this `msg` (waits up to `ms`); fails early if the agent exits. */
  waitFor(msg: string, ms?: number): Promise<LogLine>;
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the agent with `args` and an environment made only of `env` plus PATH (nothing from the
 * test runner's DVM_* variables leaks in).
 */
export function spawnAgent(args: string[], env: Record<string, string>): AgentProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(PROJECT_ROOT, 'agent', 'main.ts'), ...args],
    {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let done = false;
  void exited.then(() => (done = true));

  const lines = () =>
    stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    lines,
    async waitFor(msg, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = lines().find((line) => line.msg === msg);
        if (found) return found;
        if (done || Date.now() > deadline) {
          throw new Error(
            `dvm-agent ${done ? 'exited' : 'did not log'} before "${msg}".\nstdout:\n${stdout}\nstderr:\n${stderr}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}
