// The directories a session offers BuildKit, on a real directory tree: walk order, stats (Go
// FileMode, mtimes, links) and filters (.dockerignore, BuildKit's include/exclude/follow paths).
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerignoreMatcher } from '../../../lib/build/dockerignore';
import {
  GO_MODE,
  contentModTime,
  directorySource,
  goFileMode,
  virtualSource,
} from './context-source';
import type { SyncEntry, SyncSource, TransferFilter } from './file-sync';

async function list(source: SyncSource, filter: TransferFilter = {}): Promise<SyncEntry[]> {
  const out: SyncEntry[] = [];
  for await (const entry of source.entries(filter, new AbortController().signal)) out.push(entry);
  return out;
}

const paths = (entries: SyncEntry[]) => entries.map((e) => e.stat.path);

/**
 * BuildKit's receiver (fsutil Validator): every entry's parent was sent before it and names
 * within one directory strictly increase in byte order.
 */
function assertFsutilOrder(entries: SyncEntry[]) {
  const dirs = new Set(['']);
  const last = new Map<string, string>();
  for (const { stat } of entries) {
    const slash = stat.path.lastIndexOf('/');
    const parent = slash < 0 ? '' : stat.path.slice(0, slash);
    const base = stat.path.slice(slash + 1);
    expect(dirs.has(parent), `${stat.path}: parent not sent before it`).toBe(true);
    const previous = last.get(parent);
    if (previous !== undefined) {
      expect(Buffer.compare(Buffer.from(previous), Buffer.from(base)), stat.path).toBe(-1);
    }
    last.set(parent, base);
    if (stat.mode & GO_MODE.dir) dirs.add(stat.path);
  }
}

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'dvm-ctx-src-'));
  const file = (rel: string, text = rel) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  file('a/b');
  file('a.txt');
  file('a-b');
  file('B');
  file('run.sh', '#!/bin/sh\n');
  chmodSync(path.join(root, 'run.sh'), 0o755);
  file('logs/1.log');
  file('logs/keep/important.log');
  file('logs/other/2.log');
  file('node_modules/x/index.js');
  file('src/app/main.go');
  file('src/lib/util.go');
  symlinkSync('a.txt', path.join(root, 'link'));
  linkSync(path.join(root, 'a.txt'), path.join(root, 'z-hard'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('directorySource', () => {
  it('walks in fsutil order: names in byte order, a directory right before its contents', async () => {
    const entries = await list(directorySource(root, undefined));
    assertFsutilOrder(entries);
    expect(paths(entries)).toEqual([
      'B',
      'a',
      'a/b',
      'a-b',
      'a.txt',
      'link',
      'logs',
      'logs/1.log',
      'logs/keep',
      'logs/keep/important.log',
      'logs/other',
      'logs/other/2.log',
      'node_modules',
      'node_modules/x',
      'node_modules/x/index.js',
      'run.sh',
      'src',
      'src/app',
      'src/app/main.go',
      'src/lib',
      'src/lib/util.go',
      'z-hard',
    ]);
  });

  it('sends Go FileModes, sizes, real nanosecond mtimes, owners and link targets', async () => {
    const byPath = new Map(
      (await list(directorySource(root, undefined))).map((e) => [e.stat.path, e]),
    );
    const dir = byPath.get('a');
    expect(dir?.stat.mode).toBe(GO_MODE.dir + 0o755);
    expect(dir?.content).toBeUndefined();
    const script = byPath.get('run.sh');
    expect(script?.stat.mode).toBe(0o755);
    expect(script?.stat.size).toBe('10');
    expect(script?.content).toBe(path.join(root, 'run.sh'));
    const real = lstatSync(path.join(root, 'run.sh'), { bigint: true });
    expect(script?.stat.modTime).toBe(real.mtimeNs.toString());
    expect(script?.stat.uid).toBe(Number(real.uid));
    expect(script?.stat.gid).toBe(Number(real.gid));
    const link = byPath.get('link');
    expect((link?.stat.mode ?? 0) & GO_MODE.symlink).toBe(GO_MODE.symlink);
    expect(link?.stat.linkname).toBe('a.txt');
    expect(link?.content).toBeUndefined();
    // The second name of a hard-linked file points at the first, with no data of its own.
    expect(byPath.get('a.txt')?.stat.linkname).toBe('');
    expect(byPath.get('z-hard')?.stat.linkname).toBe('a.txt');
    expect(byPath.get('z-hard')?.stat.size).toBe('0');
  });

  it('leaves out what .dockerignore excludes and sends a directory only for its exceptions', async () => {
    const ignore = createDockerignoreMatcher('node_modules\nlogs\n!logs/keep\n*.sh\n');
    const entries = await list(directorySource(root, ignore));
    assertFsutilOrder(entries);
    const sent = paths(entries);
    expect(sent).toContain('logs');
    expect(sent).toContain('logs/keep/important.log');
    expect(sent).not.toContain('logs/1.log');
    expect(sent).not.toContain('logs/other');
    expect(sent.some((p) => p.startsWith('node_modules'))).toBe(false);
    expect(sent).not.toContain('run.sh');
  });

  it("applies BuildKit's follow paths, include and exclude patterns on top", async () => {
    const follow = paths(
      await list(directorySource(root, undefined), { followPaths: ['src/app'] }),
    );
    expect(follow).toEqual(['src', 'src/app', 'src/app/main.go']);

    const included = paths(
      await list(directorySource(root, undefined), { includePatterns: ['*.txt', 'a'] }),
    );
    expect(included).toEqual(['a', 'a/b', 'a.txt']);

    const excluded = paths(
      await list(directorySource(root, undefined), {
        excludePatterns: ['src', 'logs', 'node_modules', '!src/lib'],
      }),
    );
    expect(excluded).toContain('src/lib/util.go');
    expect(excluded).not.toContain('src/app');
    expect(excluded.some((p) => p.startsWith('logs'))).toBe(false);
  });
});

describe('virtualSource (the Dockerfile)', () => {
  it('holds only the given file, its mtime derived from its content', async () => {
    const one = await list(virtualSource({ Dockerfile: Buffer.from('FROM a\n') }), {
      followPaths: ['Dockerfile', 'Dockerfile.dockerignore', 'dockerfile'],
    });
    const same = await list(virtualSource({ Dockerfile: Buffer.from('FROM a\n') }));
    const other = await list(virtualSource({ Dockerfile: Buffer.from('FROM b\n') }));
    expect(paths(one)).toEqual(['Dockerfile']);
    expect(one[0]?.stat.mode).toBe(0o644);
    expect(one[0]?.stat.size).toBe('7');
    expect(same[0]?.stat.modTime).toBe(one[0]?.stat.modTime);
    expect(other[0]?.stat.modTime).not.toBe(one[0]?.stat.modTime);
    expect(contentModTime(Buffer.from('FROM a\n'))).toBe(one[0]?.stat.modTime);
    expect(
      await list(virtualSource({ Dockerfile: Buffer.from('x') }), { followPaths: ['other'] }),
    ).toEqual([]);
  });
});

describe('goFileMode', () => {
  it.each([
    [0o100644, 0o644],
    [0o040755, GO_MODE.dir + 0o755],
    [0o120777, GO_MODE.symlink + 0o777],
    [0o104755, GO_MODE.setuid + 0o755],
    [0o041777, GO_MODE.dir + GO_MODE.sticky + 0o777],
    [0o010644, GO_MODE.namedPipe + 0o644],
    [0o020666, GO_MODE.device + GO_MODE.charDevice + 0o666],
  ])('st_mode %o → Go %d', (stMode, expected) => {
    expect(goFileMode(stMode)).toBe(expected);
  });
});
