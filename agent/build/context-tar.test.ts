// The context lister and tar writer, checked by extracting what they write with the system's tar
// (GNU tar reads ustar and PAX like the engine's Go archive/tar does).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entryHeader,
  freeExtraDir,
  listContext,
  memoryDir,
  memoryFile,
  tarStream,
  type ContextFilter,
} from './context-tar';

let root: string;
let src: string;
const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
const longName = `${longDir}/${'f'.repeat(40)}.txt`;
const unicodeName = 'grüße-📦.txt';

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'dvm-tar-'));
  src = path.join(root, 'src');
  mkdirSync(path.join(src, longDir), { recursive: true });
  mkdirSync(path.join(src, 'bin'));
  mkdirSync(path.join(src, 'node_modules', 'keep'), { recursive: true });
  writeFileSync(path.join(src, 'README.md'), 'hello\n');
  writeFileSync(path.join(src, longName), 'long\n');
  writeFileSync(path.join(src, unicodeName), 'unicode\n');
  writeFileSync(path.join(src, 'bin', 'run'), '#!/bin/sh\necho run\n');
  chmodSync(path.join(src, 'bin', 'run'), 0o750);
  writeFileSync(path.join(src, 'node_modules', 'big.js'), 'x'.repeat(700));
  writeFileSync(path.join(src, 'node_modules', 'keep', 'me.js'), 'kept\n');
  symlinkSync('README.md', path.join(src, 'link'));
  symlinkSync(`../${'t'.repeat(120)}`, path.join(src, 'far-link'));
  utimesSync(path.join(src, 'README.md'), 1_600_000_000, 1_600_000_000);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function extract(entries: Parameters<typeof tarStream>[0], into: string): Promise<string> {
  const file = path.join(root, `${path.basename(into)}.tar`);
  await pipeline(tarStream(entries), createWriteStream(file));
  mkdirSync(into);
  execFileSync('tar', ['-x', '-f', file, '-C', into]);
  return file;
}

describe('listContext and tarStream', () => {
  it('lists in path order and writes what tar extracts exactly: modes, mtimes, links, long and UTF-8 names', async () => {
    const entries = await listContext(src);
    expect(entries.map((e) => e.path)).toEqual([...entries.map((e) => e.path)].sort());
    expect(entries.find((e) => e.path === 'bin/run')).toMatchObject({ type: 'file', mode: 0o750 });
    expect(entries.find((e) => e.path === 'link')).toMatchObject({
      type: 'symlink',
      linkTarget: 'README.md',
    });

    const out = path.join(root, 'out-all');
    const tarFile = await extract(entries, out);
    expect(readFileSync(path.join(out, longName), 'utf8')).toBe('long\n');
    expect(readFileSync(path.join(out, unicodeName), 'utf8')).toBe('unicode\n');
    expect(readFileSync(path.join(out, 'bin', 'run'), 'utf8')).toContain('echo run');
    expect(lstatSync(path.join(out, 'bin', 'run')).mode & 0o7777).toBe(0o750);
    expect(lstatSync(path.join(out, 'README.md')).mtimeMs).toBe(1_600_000_000_000);
    expect(readlinkSync(path.join(out, 'link'))).toBe('README.md');
    expect(readlinkSync(path.join(out, 'far-link'))).toBe(`../${'t'.repeat(120)}`);
    expect(readFileSync(path.join(out, 'node_modules', 'big.js'), 'utf8')).toHaveLength(700);
    // Owned by root, like the docker CLI sends a context.
    const listing = execFileSync('tar', ['-t', '-v', '--numeric-owner', '-f', tarFile], {
      encoding: 'utf8',
    });
    expect(listing).toMatch(/ 0\/0 /);
    expect(listing).not.toMatch(/ [1-9]\d*\/\d+ /);
  });

  it('leaves out what the filter excludes but walks into directories with exceptions', async () => {
    const filter: ContextFilter = {
      isExcluded: (p) =>
        p === 'node_modules' ||
        (p.startsWith('node_modules/') &&
          p !== 'node_modules/keep/me.js' &&
          p !== 'node_modules/keep'),
      mayContainExceptions: (p) => p === 'node_modules' || p === 'node_modules/keep',
    };
    const entries = await listContext(src, filter);
    const paths = entries.map((e) => e.path);
    expect(paths).not.toContain('node_modules');
    expect(paths).not.toContain('node_modules/big.js');
    expect(paths).toContain('node_modules/keep/me.js');
    const out = path.join(root, 'out-filtered');
    await extract(entries, out);
    expect(readFileSync(path.join(out, 'node_modules', 'keep', 'me.js'), 'utf8')).toBe('kept\n');
  });

  it('adds in-memory entries under a directory no context entry uses', async () => {
    const entries = await listContext(src);
    expect(freeExtraDir(entries)).toBe('.dvm');
    expect(freeExtraDir([...entries, memoryDir('.dvm')])).toBe('.dvm-1');
    const out = path.join(root, 'out-extra');
    await extract(
      [...entries, memoryDir('.dvm'), memoryFile('.dvm/Dockerfile.x', 'FROM a\n')],
      out,
    );
    expect(readFileSync(path.join(out, '.dvm', 'Dockerfile.x'), 'utf8')).toBe('FROM a\n');
  });

  it('keeps the announced size when a file shrinks or grows while it is read', async () => {
    const dir = path.join(root, 'changing');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a'), 'abcdef');
    writeFileSync(path.join(dir, 'b'), 'xy');
    const entries = await listContext(dir);
    writeFileSync(path.join(dir, 'a'), 'abc');
    writeFileSync(path.join(dir, 'b'), 'xyz-longer');
    const out = path.join(root, 'out-changing');
    await extract(entries, out);
    expect(readFileSync(path.join(out, 'a'))).toEqual(Buffer.from('abc\0\0\0'));
    expect(readFileSync(path.join(out, 'b'), 'utf8')).toBe('xy');
  });

  it('announces sizes of 8 GiB and more in a PAX record', () => {
    const size = 9 * 1024 ** 3 + 5;
    const header = entryHeader({ path: 'huge.img', type: 'file', mode: 0o644, size, mtimeNs: 0n });
    // PAX header block, one block of records, then the ustar header.
    expect(header.length).toBe(3 * 512);
    expect(header.subarray(156, 157).toString()).toBe('x');
    expect(header.subarray(512, 1024).toString('utf8')).toContain(`size=${size}\n`);
    expect(header.subarray(1024 + 156, 1024 + 157).toString()).toBe('0');
  });

  it('streams a large file without reading it whole first', async () => {
    const dir = path.join(root, 'large');
    mkdirSync(dir);
    const size = 20 * 1024 * 1024 + 123;
    writeFileSync(path.join(dir, 'blob'), Buffer.alloc(size, 7));
    const stream = tarStream(await listContext(dir));
    let first = 0;
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (first === 0) first = chunk.length;
      total += chunk.length;
    }
    expect(first).toBeLessThanOrEqual(1024 * 1024);
    expect(total).toBe(512 + Math.ceil(size / 512) * 512 + 1024);
  });
});
