// The embedded agent as a process: its private directory (socket, credential hash, pid, log),
// spawning it detached so it outlives the control plane (terminal sessions and builds survive a
// restart), and stopping a stale one. Registration as host `local` happens in lib/server.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** sun_path is 108 bytes on Linux; keep room for the socket's own name. */
const MAX_SOCKET_DIR = 90;

export interface LocalAgentFiles {
  dir: string;
  /** `unix:///…/agent.sock` */
  address: string;
  credentialHashFile: string;
  pidFile: string;
  logFile: string;
}

/**
 * `<dataDir>/agent`, or a directory under the system temp dir named after the data dir when that
 * path is too long for a unix socket. Created 0700: the socket is the agent's front door.
 */
export function localAgentFiles(dataDir: string): LocalAgentFiles {
  let dir = path.join(dataDir, 'agent');
  if (dir.length > MAX_SOCKET_DIR) {
    const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
    dir = path.join(tmpdir(), `dvm-agent-${id}`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return {
    dir,
    address: `unix://${path.join(dir, 'agent.sock')}`,
    credentialHashFile: path.join(dir, 'credential.sha256'),
    pidFile: path.join(dir, 'agent.pid'),
    logFile: path.join(dir, 'agent.log'),
  };
}

/** Writes the credential's SHA-256 (all the agent ever holds) atomically, mode 0600. */
export function writeCredentialHash(files: LocalAgentFiles, credential: string): void {
  const hash = createHash('sha256').update(credential, 'utf8').digest('hex');
  const temp = `${files.credentialHashFile}.${process.pid}.tmp`;
  writeFileSync(temp, `${hash}\n`, { mode: 0o600 });
  renameSync(temp, files.credentialHashFile);
}

export interface SpawnLocalAgentOptions {
  files: LocalAgentFiles;
  /** The repository root: the agent's entry point and its proto/ are found from here. */
  projectRoot: string;
  allowedRoots: string[];
  env: NodeJS.ProcessEnv;
}

/** Starts `dvm-agent` detached (its own process group, output to agent.log); returns its pid. */
export function spawnLocalAgent({
  files,
  projectRoot,
  allowedRoots,
  env,
}: SpawnLocalAgentOptions): number {
  const log = openSync(files.logFile, 'a', 0o600);
  try {
    const args = [
      '--import',
      'tsx',
      path.join(projectRoot, 'agent', 'main.ts'),
      '--listen',
      files.address,
      '--state-dir',
      files.dir,
      '--credential-hash-file',
      files.credentialHashFile,
      ...(allowedRoots.length > 0 ? ['--allowed-roots', allowedRoots.join(':')] : []),
    ];
    const child = spawn(process.execPath, args, {
      cwd: projectRoot,
      env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (child.pid === undefined) throw new Error('the agent process could not be started');
    writeFileSync(files.pidFile, `${child.pid}\n`, { mode: 0o600 });
    return child.pid;
  } finally {
    closeSync(log);
  }
}

function readPid(files: LocalAgentFiles): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(files.pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still our agent: after a reboot the number may belong to anything. */
function isOurAgent(pid: number, files: LocalAgentFiles): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('agent/main.ts') && cmdline.includes(files.credentialHashFile);
  } catch {
    return alive(pid); // no /proc (macOS): trust the pid file
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the agent recorded in the pid file (SIGTERM, then SIGKILL); true if one was running. */
export async function stopLocalAgent(files: LocalAgentFiles, timeoutMs = 5000): Promise<boolean> {
  const pid = readPid(files);
  if (pid === undefined || !alive(pid) || !isOurAgent(pid, files)) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

/** The last lines of agent.log, for start-up errors. */
export function agentLogTail(files: LocalAgentFiles, lines = 10): string {
  try {
    return readFileSync(files.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
