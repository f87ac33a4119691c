// A build context as the Docker API takes it: the files of a directory that .dockerignore keeps,
// listed once (the inputs hash and the tar read the same list) and written as a tar stream.
//
// The tar writer is ours because the context must be streamed (contexts reach 50 MiB and more;
// nothing is buffered whole) with what the engine needs and nothing more: ustar headers, PAX
// records where ustar cannot hold a value (paths or link targets over 100 bytes or not ASCII,
// files of 8 GiB and more), regular files, directories and symlinks with their real modes and
// mtimes, owned by 0:0 like the docker CLI sends them. Sockets, FIFOs and devices are left out.
// A file that changes size while it is read is cut or zero-padded to the size its header
// announced, so the archive stays well-formed.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../../lib/errors';

export interface ContextEntry {
  /** Relative to the context, `/`-separated; directories without a trailing slash. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits, with setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
  /** Bytes, for files (0 otherwise). */
  size: number;
  /** Modification time in nanoseconds since the epoch (what the inputs hash sees). */
  mtimeNs: bigint;
  /** Symlinks: where the link points, as stored. */
  linkTarget?: string;
  /** Files on disk: the absolute path to read. */
  source?: string;
  /** Files made in memory (the generated Dockerfile). */
  content?: Buffer;
}

/** Which paths .dockerignore leaves out (relative, `/`-separated). */
export interface ContextFilter {
  isExcluded(relativePath: string): boolean;
  /** Whether an excluded directory may still hold re-included (`!pattern`) files. */
  mayContainExceptions(relativeDir: string): boolean;
}

const NONE: ContextFilter = { isExcluded: () => false, mayContainExceptions: () => false };

function unreadable(what: string, error: unknown): AppError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new AppError('INVALID', `The build context cannot be read: ${what} (${code}).`, {
    errors: [{ path: 'source', message: `${what}: ${code}` }],
    cause: error,
  });
}

/**
 * The context's entries in a stable order (by path, a directory before its contents), without
 * what the filter excludes. An excluded directory is still walked when exception patterns may
 * re-include files below it; those files come without the directory's own entry, as the docker
 * CLI sends them.
 */
export async function listContext(
  dir: string,
  filter: ContextFilter = NONE,
): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [];
  const walk = async (relativeDir: string): Promise<void> => {
    const absolute = relativeDir ? path.join(dir, relativeDir) : dir;
    let names: string[];
    try {
      names = await readdir(absolute);
    } catch (error) {
      throw unreadable(relativeDir || '.', error);
    }
    names.sort();
    for (const name of names) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      const source = path.join(absolute, name);
      let stat;
      try {
        stat = await lstat(source, { bigint: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile
        throw unreadable(relative, error);
      }
      const excluded = filter.isExcluded(relative);
      const mode = Number(stat.mode & 0o7777n);
      if (stat.isDirectory()) {
        if (!excluded)
          entries.push({ path: relative, type: 'dir', mode, size: 0, mtimeNs: stat.mtimeNs });
        if (!excluded || filter.mayContainExceptions(relative)) await walk(relative);
      } else if (excluded) {
        continue;
      } else if (stat.isFile()) {
        entries.push({
          path: relative,
          type: 'file',
          mode,
          size: Number(stat.size),
          mtimeNs: stat.mtimeNs,
          source,
        });
      } else if (stat.isSymbolicLink()) {
        let linkTarget: string;
        try {
          linkTarget = await readlink(source);
        } catch (error) {
          throw unreadable(relative, error);
        }
        entries.push({
          path: relative,
          type: 'symlink',
          mode,
          size: 0,
          mtimeNs: stat.mtimeNs,
          linkTarget,
        });
      }
    }
  };
  await walk('');
  return entries;
}

/**
 * A path for an extra file (`<dir>/<name>`) whose first segment no context entry uses, so the
 * generated Dockerfile can never replace or shadow a file of the app: `.dvm`, else `.dvm-1`, …
 */
export function freeExtraDir(entries: readonly ContextEntry[], base = '.dvm'): string {
  const taken = new Set(entries.map((e) => e.path.split('/', 1)[0]));
  let candidate = base;
  for (let n = 1; taken.has(candidate); n += 1) candidate = `${base}-${n}`;
  return candidate;
}

const BLOCK = 512;
const END = Buffer.alloc(BLOCK * 2);
const MAX_OCTAL_11 = 0o77777777777; // what 11 octal digits hold: 8 GiB - 1
const TYPE = { file: '0', symlink: '2', dir: '5', pax: 'x' } as const;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function fitsUstar(text: string, max: number): boolean {
  // ASCII only: ustar fields have no encoding, PAX records are UTF-8.
  return text.length <= max && /^[\x20-\x7e]*$/.test(text);
}

function ustarHeader(fields: {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  linkname?: string;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode, 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii'); // uid
  block.write(octal(0, 8), 116, 8, 'ascii'); // gid
  block.write(octal(Math.min(fields.size, MAX_OCTAL_11), 12), 124, 12, 'ascii');
  block.write(octal(Math.min(Math.max(fields.mtime, 0), MAX_OCTAL_11), 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while summing
  block.write(fields.type, 156, 1, 'ascii');
  if (fields.linkname) block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** One PAX record: `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  let length = bodyLength + String(bodyLength).length;
  // Adding the digits may add a digit (e.g. 98 + 2 = 100).
  if (String(length).length !== String(bodyLength).length) length += 1;
  return `${length}${body}`;
}

function padding(size: number): Buffer | undefined {
  const rest = size % BLOCK;
  return rest === 0 ? undefined : Buffer.alloc(BLOCK - rest);
}

/** The header block(s) of one entry: a PAX header first when ustar cannot say it all. */
export function entryHeader(entry: ContextEntry): Buffer {
  const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const size = entry.type === 'file' ? entry.size : 0;
  const mtime = Number(entry.mtimeNs / 1_000_000_000n);
  const pax: string[] = [];
  if (!fitsUstar(name, 100)) pax.push(paxRecord('path', name));
  if (entry.linkTarget !== undefined && !fitsUstar(entry.linkTarget, 100)) {
    pax.push(paxRecord('linkpath', entry.linkTarget));
  }
  if (size > MAX_OCTAL_11) pax.push(paxRecord('size', String(size)));
  const header = ustarHeader({
    // With a PAX path, the ustar name is only a readable fallback for old readers.
    name: fitsUstar(name, 100) ? name : asciiFallback(name),
    mode: entry.mode,
    size,
    mtime,
    type: TYPE[entry.type],
    ...(entry.linkTarget !== undefined && {
      linkname: fitsUstar(entry.linkTarget, 100) ? entry.linkTarget : '',
    }),
  });
  if (pax.length === 0) return header;
  const records = Buffer.from(pax.join(''), 'utf8');
  const paxHeader = ustarHeader({
    name: asciiFallback(`PaxHeaders/${path.posix.basename(entry.path)}`),
    mode: 0o644,
    size: records.length,
    mtime,
    type: TYPE.pax,
  });
  return Buffer.concat([paxHeader, records, padding(records.length) ?? Buffer.alloc(0), header]);
}

function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').slice(-100);
}

async function* fileContent(entry: ContextEntry): AsyncGenerator<Buffer> {
  if (entry.content) {
    yield entry.content.subarray(0, entry.size);
    if (entry.content.length < entry.size) yield Buffer.alloc(entry.size - entry.content.length);
    return;
  }
  let sent = 0;
  if (entry.size > 0) {
    const stream = createReadStream(entry.source!, {
      start: 0,
      end: entry.size - 1,
      highWaterMark: 256 * 1024,
    });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        sent += chunk.length;
        yield chunk;
      }
    } catch (error) {
      throw unreadable(entry.path, error);
    }
  }
  // The file shrank since it was listed: keep the size the header announced.
  if (sent < entry.size) yield Buffer.alloc(entry.size - sent);
}

async function* tarChunks(entries: readonly ContextEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield entryHeader(entry);
    if (entry.type !== 'file') continue;
    yield* fileContent(entry);
    const pad = padding(entry.size);
    if (pad) yield pad;
  }
  yield END;
}

/**
 * The entries as a tar stream, read lazily with backpressure: file contents are read while the
 * consumer takes them. Destroying the stream stops reading.
 */
export function tarStream(entries: readonly ContextEntry[]): Readable {
  return Readable.from(tarChunks(entries), { objectMode: false, highWaterMark: 256 * 1024 });
}

/** An in-memory file entry (mode 0644, a fixed mtime so the tar does not vary between runs). */
export function memoryFile(relativePath: string, text: string): ContextEntry {
  const content = Buffer.from(text, 'utf8');
  return {
    path: relativePath,
    type: 'file',
    mode: 0o644,
    size: content.length,
    mtimeNs: 0n,
    content,
  };
}

/** An in-memory directory entry (mode 0755, fixed mtime). */
export function memoryDir(relativePath: string): ContextEntry {
  return { path: relativePath, type: 'dir', mode: 0o755, size: 0, mtimeNs: 0n };
}
