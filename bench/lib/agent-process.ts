// A dvm-agent started as its own process for a benchmark, stopped with SIGTERM afterwards.
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface AgentProcess {
  stop(): Promise<void>;
}

/** Starts `agent/main.ts` with `args` and waits for its "listening" log line (30 s at most). */
export async function spawnAgentProcess(options: {
  projectRoot: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<AgentProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(options.projectRoot, 'agent', 'main.ts'), ...options.args],
    {
      cwd: options.projectRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dvm-agent did not start:\n${output}`)),
      30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"listening"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dvm-agent exited with ${code}:\n${output}`));
    });
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
