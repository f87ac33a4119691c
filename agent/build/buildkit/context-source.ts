// The directories a build session offers BuildKit: the build context (a real directory, read in
// place and never written) and the Dockerfile (a virtual directory holding only `Dockerfile`).
// Entries come in fsutil's walk order — names in byte order within a directory, a directory
// before its contents — because BuildKit's receiver rejects anything else. Stats carry what
// BuildKit compares to decide what to copy again: Go FileMode bits, size, mtime in nanoseconds,
// uid/gid; symlinks carry their target and hard links the path of the first link.
import { createHash } from 'node:crypto';
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import {
  createDockerignoreMatcher,
  type DockerignoreMatcher,
} from '../../../lib/build/dockerignore';
import type { SyncEntry, SyncSource, TransferFilter } from './file-sync';
import { byteOrder, transferIncludes, type IncludeMatcher } from './include-patterns';
import type { FileStat } from './protos';

/** Go's os.FileMode type bits. */
export const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/** A Unix st_mode as Go's os.FileMode (what fsutil's Stat.mode carries). */
export function goFileMode(stMode: number): number {
  let mode = stMode & 0o777;
  switch (stMode & S_IFMT) {
    case S_IFDIR:
      mode += GO_MODE.dir;
      break;
    case S_IFLNK:
      mode += GO_MODE.symlink;
      break;
    case S_IFIFO:
      mode += GO_MODE.namedPipe;
      break;
    case S_IFSOCK:
      mode += GO_MODE.socket;
      break;
    case S_IFCHR:
      mode += GO_MODE.device + GO_MODE.charDevice;
      break;
    case S_IFBLK:
      mode += GO_MODE.device;
      break;
    default:
      break;
  }
  if (stMode & 0o4000) mode += GO_MODE.setuid;
  if (stMode & 0o2000) mode += GO_MODE.setgid;
  if (stMode & 0o1000) mode += GO_MODE.sticky;
  return mode;
}

/** Combined exclusion: our `.dockerignore` and BuildKit's `exclude-patterns`, if any. */
interface Exclusion {
  matchers: DockerignoreMatcher[];
}

function excludedBy(exclusion: Exclusion, rel: string): DockerignoreMatcher[] {
  return exclusion.matchers.filter((m) => m.isExcluded(rel, true));
}

function excludeMatcher(patterns: readonly string[] | undefined): DockerignoreMatcher | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  // BuildKit sends the patterns of the .dockerignore its frontend read: same syntax, same rules.
  return createDockerignoreMatcher(patterns.join('\n'));
}

const LSTAT_BATCH = 64;

/**
 * The build context: `root` walked in place with `.dockerignore` applied (`ignore`, parsed once by
 * the builder so a malformed file fails the build before it starts) and BuildKit's filters.
 */
export function directorySource(root: string, ignore: DockerignoreMatcher | undefined): SyncSource {
  return {
    async *entries(filter: TransferFilter, signal: AbortSignal): AsyncIterable<SyncEntry> {
      const includes = await transferIncludes(root, filter.includePatterns, filter.followPaths);
      const extra = excludeMatcher(filter.excludePatterns);
      const exclusion: Exclusion = {
        matchers: [ignore, extra].filter((m): m is DockerignoreMatcher => m !== undefined),
      };
      yield* walk(root, '', { includes, exclusion, signal, inodes: new Map(), pending: [] }, false);
    },
  };
}

interface WalkState {
  includes: IncludeMatcher | undefined;
  exclusion: Exclusion;
  signal: AbortSignal;
  /** First path seen per inode, for hard links (as fsutil). */
  inodes: Map<bigint, string>;
  /**
   * Excluded directories entered only because an exception may re-include something below
   * them, outermost first: they are sent just before the first entry inside them, if any.
   */
  pending: SyncEntry[];
}

async function lstatAll(dir: string, names: string[]): Promise<(BigIntStats | undefined)[]> {
  const out: (BigIntStats | undefined)[] = [];
  for (let i = 0; i < names.length; i += LSTAT_BATCH) {
    const batch = names.slice(i, i + LSTAT_BATCH);
    out.push(
      ...(await Promise.all(
        batch.map((name) =>
          lstat(path.join(dir, name), { bigint: true }).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return undefined;
            throw error;
          }),
        ),
      )),
    );
  }
  return out;
}

/** Depth-first walk; `wholeDir` when an include pattern took this directory whole. */
async function* walk(
  absDir: string,
  relDir: string,
  state: WalkState,
  wholeDir: boolean,
): AsyncGenerator<SyncEntry> {
  if (state.signal.aborted) throw new Error('the transfer was cancelled');
  let names: string[];
  try {
    names = await readdir(absDir);
  } catch (error) {
    // A directory removed during the walk is skipped, as fsutil does.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  names.sort(byteOrder);
  const stats = await lstatAll(absDir, names);
  for (let i = 0; i < names.length; i += 1) {
    const st = stats[i];
    if (!st) continue;
    const name = names[i] as string;
    const rel = relDir ? `${relDir}/${name}` : name;
    const abs = path.join(absDir, name);
    const isDir = st.isDirectory();
    // Sockets cannot be copied (fsutil sends them as empty files); they are left out.
    if (st.isSocket()) continue;

    let takeWhole = wholeDir;
    if (state.includes && !wholeDir) {
      const match = state.includes(rel);
      if (match === 'none') continue;
      if (match === 'full' && isDir) takeWhole = true;
    }

    const excluders = excludedBy(state.exclusion, rel);
    if (excluders.length > 0) {
      if (!isDir || !excluders.every((m) => m.mayContainExceptions(rel))) continue;
      const entry = await statEntry(abs, rel, st, state);
      state.pending.push(entry);
      yield* walk(abs, rel, state, takeWhole);
      if (state.pending.at(-1) === entry) state.pending.pop();
      continue;
    }

    const entry = await statEntry(abs, rel, st, state);
    if (state.pending.length > 0) yield* state.pending.splice(0);
    yield entry;
    if (isDir) yield* walk(abs, rel, state, takeWhole);
  }
}

function major(rdev: bigint): number {
  return Number((rdev >> 8n) & 0xfffn);
}

function minor(rdev: bigint): number {
  return Number((rdev & 0xffn) | ((rdev >> 12n) & 0xfff00n));
}

async function statEntry(
  abs: string,
  rel: string,
  st: BigIntStats,
  state: WalkState,
): Promise<SyncEntry> {
  const mode = goFileMode(Number(st.mode));
  const stat: FileStat = {
    path: rel,
    mode,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: st.isDirectory() ? '0' : st.size.toString(),
    modTime: st.mtimeNs.toString(),
    linkname: '',
    devmajor: '0',
    devminor: '0',
  };
  if (st.isDirectory()) return { stat };
  if (st.isSymbolicLink()) {
    stat.linkname = await readlink(abs);
    return { stat };
  }
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    stat.devmajor = String(major(st.rdev));
    stat.devminor = String(minor(st.rdev));
    return { stat };
  }
  if (st.nlink > 1n) {
    const first = state.inodes.get(st.ino);
    if (first !== undefined) {
      stat.linkname = first;
      stat.size = '0';
      return { stat };
    }
    state.inodes.set(st.ino, rel);
  }
  return st.isFile() ? { stat, content: abs } : { stat };
}

/**
 * An mtime (ns) derived from the content: BuildKit re-reads a file only when its stat changes, so
 * a virtual file must change its mtime whenever its bytes change. 53 bits of the SHA-256.
 */
export function contentModTime(content: Buffer): string {
  const digest = createHash('sha256').update(content).digest();
  return (digest.readBigUInt64BE(0) >> 11n).toString();
}

/** A directory holding only in-memory files (the Dockerfile), filtered as BuildKit asks. */
export function virtualSource(files: Record<string, Buffer>): SyncSource {
  const names = Object.keys(files).sort(byteOrder);
  return {
    async *entries(filter: TransferFilter): AsyncIterable<SyncEntry> {
      const includes = await transferIncludes(
        undefined,
        filter.includePatterns,
        filter.followPaths,
      );
      const extra = excludeMatcher(filter.excludePatterns);
      for (const name of names) {
        if (includes && includes(name) === 'none') continue;
        if (extra?.isExcluded(name, false)) continue;
        const content = files[name] as Buffer;
        yield {
          stat: {
            path: name,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: String(content.length),
            modTime: contentModTime(content),
            linkname: '',
            devmajor: '0',
            devminor: '0',
          },
          content,
        };
      }
    },
  };
}
