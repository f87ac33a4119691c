// A workspace's source from git: the agent clones the repository on its own host (a child `git`
// process, never a shell), and the runtime copies the tree into the workspace's volume as a tar
// stream made by the system `tar`, owned by the workspace user so a non-root user can write it.
// The URL and ref come from users of the control plane, so both are checked before git sees them:
// only https/ssh/git/file (or scp-like user@host:path), nothing git could read as an option, and
// GIT_ALLOW_PROTOCOL keeps git itself (redirects, submodules) to the same list.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, invalid, type FieldError } from '../../lib/errors';
import type { GitSource } from './container-runtime';

const ALLOWED_SCHEMES = new Set(['https', 'ssh', 'git', 'file']);
const ALLOWED_PROTOCOLS = 'https:ssh:git:file';
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** `[user@]host:path` as git reads it: no slash before the colon, and not `transport::address`. */
const SCP_LIKE =
  /^(?:[A-Za-z0-9_][A-Za-z0-9._~%+-]*@)?([A-Za-z0-9_][A-Za-z0-9._-]*):(?!:)(?!\/\/)\S+$/;
const REF = /^[A-Za-z0-9_][A-Za-z0-9_./+-]*$/;
const COMMIT = /^[0-9a-f]{7,40}$/;
const VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;
const DEFAULT_CLONE_TIMEOUT_MS = 5 * 60_000;

/** Hides the password (or token) in `https://user:secret@host/…` wherever it appears. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/[^/\s:@]*):[^/\s@]*@/g, '$1:***@');
}

function hasControlOrSpace(text: string): boolean {
  return (
    /\s/.test(text) || [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  );
}

function checkUrl(url: unknown, at: string): FieldError | undefined {
  if (typeof url !== 'string' || url === '') return { path: at, message: 'A URL is required.' };
  if (url.startsWith('-') || hasControlOrSpace(url)) {
    return {
      path: at,
      message: 'Must not start with "-" or contain spaces or control characters.',
    };
  }
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    return SCP_LIKE.test(url)
      ? undefined
      : { path: at, message: 'Use an https://, ssh://, git:// or file:// URL, or user@host:path.' };
  }
  if (!ALLOWED_SCHEMES.has(scheme)) {
    return {
      path: at,
      message: `The ${scheme}:// scheme is not allowed; use https, ssh, git or file.`,
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { path: at, message: 'Not a valid URL.' };
  }
  // ssh would read a host starting with "-" as an option (CVE-2017-1000117).
  if (parsed.hostname.startsWith('-') || decodeURIComponent(parsed.username).startsWith('-')) {
    return { path: at, message: 'The host and user must not start with "-".' };
  }
  if (scheme === 'file' ? parsed.pathname === '' : parsed.hostname === '') {
    return { path: at, message: scheme === 'file' ? 'A path is required.' : 'A host is required.' };
  }
  return undefined;
}

function checkRef(ref: unknown, at: string): FieldError | undefined {
  if (ref === undefined || ref === '') return undefined;
  if (
    typeof ref !== 'string' ||
    ref.length > 255 ||
    !REF.test(ref) ||
    ref.includes('..') ||
    ref.endsWith('/') ||
    ref.endsWith('.lock')
  ) {
    return {
      path: at,
      message: 'Must be a branch, tag or commit name (letters, digits, "_./+-").',
    };
  }
  return undefined;
}

/** Field errors for a git source (paths under `at`); empty when it is acceptable. */
export function checkGitSource(source: GitSource, at = 'gitSource'): FieldError[] {
  const errors: FieldError[] = [];
  const url = checkUrl(source.url, `${at}.url`);
  if (url) errors.push(url);
  const ref = checkRef(source.ref, `${at}.ref`);
  if (ref) errors.push(ref);
  if (typeof source.volume !== 'string' || !VOLUME.test(source.volume)) {
    errors.push({
      path: `${at}.volume`,
      message: 'A volume name: letters, digits, "_.-", at least two characters.',
    });
  }
  if (
    typeof source.target !== 'string' ||
    !path.isAbsolute(source.target) ||
    path.normalize(source.target) !== source.target ||
    source.target === '/'
  ) {
    errors.push({ path: `${at}.target`, message: 'An absolute, normalised path other than "/".' });
  }
  return errors;
}

interface RunResult {
  stderr: string;
}

function git(args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS,
          GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
          LC_ALL: 'C',
        },
      },
      (error, _stdout, stderr) => {
        if (error) reject(Object.assign(error, { stderr: String(stderr) }));
        else resolve({ stderr: String(stderr) });
      },
    );
  });
}

function cloneFailure(source: GitSource, error: unknown, timeoutMs: number): AppError {
  const e = error as { code?: unknown; killed?: boolean; stderr?: string };
  const url = redactUrl(source.url);
  if (e.code === 'ENOENT') {
    return new AppError(
      'UNAVAILABLE',
      `git is not installed on the agent's host; cannot clone ${url}.`,
    );
  }
  if (e.killed) {
    return new AppError(
      'UNAVAILABLE',
      `Cloning ${url} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`,
    );
  }
  const said = redactUrl(
    (e.stderr ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .slice(-2)
      .join(' '),
  );
  const network = /could not resolve|connection (refused|timed out)|network is unreachable/i;
  if (network.test(said)) {
    return new AppError('UNAVAILABLE', `The agent cannot reach ${url}: ${said}`);
  }
  const refProblem =
    /remote branch|did not match|not found in upstream|pathspec|reference is not a tree/i;
  const field = source.ref && refProblem.test(said) ? 'gitSource.ref' : 'gitSource.url';
  return invalid(`Cloning ${url}${source.ref ? ` at ${source.ref}` : ''} failed: ${said}`, [
    { path: field, message: said || 'git failed' },
  ]);
}

/**
 * Clones `source` into `dir` (which must not exist): a branch or tag with `--branch`, a commit by
 * checking it out after the clone. AppError INVALID (bad URL or ref, repository refused) or
 * UNAVAILABLE (unreachable, too slow, no git).
 */
export async function cloneRepository(
  source: GitSource,
  dir: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const errors = checkGitSource(source);
  if (errors.length > 0) throw invalid('The git source is invalid.', errors);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLONE_TIMEOUT_MS;
  const started = Date.now();
  const commit = source.ref !== undefined && COMMIT.test(source.ref);
  const branch = source.ref && !commit ? [`--branch=${source.ref}`] : [];
  try {
    await git(
      ['clone', '--quiet', ...(commit ? ['--no-checkout'] : []), ...branch, '--', source.url, dir],
      timeoutMs,
    );
    if (commit) {
      await git(
        [
          '-C',
          dir,
          '-c',
          'advice.detachedHead=false',
          'checkout',
          '--quiet',
          '--detach',
          source.ref!,
        ],
        Math.max(1000, timeoutMs - (Date.now() - started)),
      );
    }
  } catch (error) {
    throw cloneFailure(source, error, timeoutMs);
  }
}

export interface Owner {
  uid: number;
  gid: number;
}

const NUMERIC = /^\d+$/;

/** Whether the image's /etc/passwd or /etc/group are needed to know who `user` is. */
export function needsAccountFiles(user: string): boolean {
  const [u = '', g] = user.split(':');
  return user !== '' && (!NUMERIC.test(u) || g === undefined || !NUMERIC.test(g));
}

function entries(file: string | undefined): string[][] {
  return (file ?? '')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

/**
 * The uid:gid a container user (`name`, `uid`, `name:group`, `uid:gid`; empty = root) runs as,
 * looked up like the engine does: a name in the image's /etc/passwd (its primary group unless one
 * is given), a group name in /etc/group, a numeric uid not listed gets gid 0. INVALID for names
 * the image does not know.
 */
export function resolveOwner(user: string, passwd?: string, group?: string): Owner {
  if (user === '') return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const users = entries(passwd);
  const entry = NUMERIC.test(u) ? users.find((e) => e[2] === u) : users.find((e) => e[0] === u);
  if (!NUMERIC.test(u) && !entry) {
    throw invalid(`The user "${u}" does not exist in the image (not in /etc/passwd).`, [
      { path: 'user', message: 'Use a user the image defines, or a numeric uid[:gid].' },
    ]);
  }
  const uid = Number(NUMERIC.test(u) ? u : entry![2]);
  let gid: number;
  if (g === undefined || g === '') {
    gid = entry ? Number(entry[3]) : 0;
  } else if (NUMERIC.test(g)) {
    gid = Number(g);
  } else {
    const found = entries(group).find((e) => e[0] === g);
    if (!found) {
      throw invalid(`The group "${g}" does not exist in the image (not in /etc/group).`, [
        { path: 'user', message: 'Use a group the image defines, or a numeric gid.' },
      ]);
    }
    gid = Number(found[2]);
  }
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw invalid(`The image's account files give no numeric ids for "${user}".`, [
      { path: 'user', message: 'Use a numeric uid[:gid].' },
    ]);
  }
  return { uid, gid };
}

let gnuTar: Promise<boolean> | undefined;

/** GNU tar and bsdtar (macOS) spell "force this owner" differently. */
function isGnuTar(): Promise<boolean> {
  gnuTar ??= new Promise((resolve) => {
    execFile('tar', ['--version'], (error, stdout) => resolve(!error && /GNU tar/.test(stdout)));
  });
  return gnuTar;
}

export interface TarStream {
  stream: Readable;
  /** Resolves when tar exited 0; rejects (INTERNAL) with its stderr otherwise. */
  done: Promise<void>;
}

/** `entry` under `parent` as a tar stream, every file owned by `owner` (numeric ids). */
export async function tarOf(parent: string, entry: string, owner: Owner): Promise<TarStream> {
  const ownership = (await isGnuTar())
    ? [`--owner=:${owner.uid}`, `--group=:${owner.gid}`]
    : ['--uid', String(owner.uid), '--gid', String(owner.gid)];
  const child = spawn(
    'tar',
    ['-C', parent, '-c', '-f', '-', '--numeric-owner', ...ownership, '--', entry],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error) =>
      reject(new AppError('INTERNAL', 'The agent cannot run tar.', { cause: error })),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new AppError('INTERNAL', `tar failed (${code}): ${stderr.trim()}`)),
    );
  });
  return { stream: child.stdout, done };
}

/** The content of the one file in a tar stream (as the engine's archive API returns it). */
export function fileFromTar(tar: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-x', '-O', '-f', '-'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`tar -x exited with ${code}`)),
    );
    tar.pipe(child.stdin);
  });
}
