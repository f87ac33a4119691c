// The SourceReader language detection reads through (lib/build/detect-language.ts), over a
// directory on this host. Confined to that directory: a relative path that climbs out of it, or a
// symlink that points outside it, reads as absent, so detection never reads other host files.
import { open, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { SourceReader } from '../../lib/build/detect-language';

function within(candidate: string, root: string): boolean {
  return candidate === root || candidate.startsWith(`${root}/`);
}

/** `root` must be a real path (symlinks resolved), as the build service hands it over. */
export function directoryReader(root: string): SourceReader {
  const resolve = async (rel: string): Promise<string | undefined> => {
    const lexical = path.resolve(root, rel);
    if (!within(lexical, root)) return undefined;
    try {
      const real = await realpath(lexical);
      return within(real, root) ? real : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    async exists(rel) {
      return (await resolve(rel)) !== undefined;
    },
    async read(rel, maxBytes) {
      const file = await resolve(rel);
      if (!file) return undefined;
      try {
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.alloc(maxBytes);
          const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
          return buffer.subarray(0, bytesRead).toString('utf8');
        } finally {
          await handle.close();
        }
      } catch {
        return undefined; // a directory, unreadable, gone
      }
    },
    async list(relDir) {
      const dir = await resolve(relDir);
      if (!dir) return [];
      try {
        return (await readdir(dir)).sort();
      } catch {
        return [];
      }
    },
  };
}
