// The hash a workspace image is tagged with (`<repository>:<first 12 hex>`): equal inputs give the
// same tag, so an unchanged workspace reuses its image without asking a builder at all.
//
// Inputs: the Dockerfile text (which already holds everything the settings decide: base image,
// packages, user, commands), the build args, the target, the image labels, the id of the base
// image when the engine has it (a re-pulled or re-imported base under the same name gives a new
// tag), and the context's files after .dockerignore by path, type, mode, size, mtime (in
// nanoseconds) and link target.
//
// Metadata, not content: hashing 50 MiB of context on every build request would cost more than
// a cached build does, and the builders themselves hash content for their layer cache. The price
// is that touching a file without changing it gives a new tag; that build is then served from
// the builder's cache. An edit that keeps the size is still seen through its mtime.
import { createHash } from 'node:crypto';
import type { ContextEntry } from './context-tar';

export interface BuildInputs {
  dockerfile: string;
  buildArgs: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  /** The engine's id of the base image, or empty when it does not have it (yet). */
  baseImageId: string;
  entries: readonly ContextEntry[];
}

const VERSION = 'dvm-build-inputs/1';

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Hex SHA-256; every record is one JSON array per line, so no two input sets collide by layout. */
export function inputsHash(inputs: BuildInputs): string {
  const hash = createHash('sha256');
  const record = (...fields: unknown[]) => hash.update(`${JSON.stringify(fields)}\n`);
  record(VERSION);
  record('dockerfile', inputs.dockerfile);
  for (const [key, value] of sorted(inputs.buildArgs)) record('arg', key, value);
  record('target', inputs.target ?? '');
  for (const [key, value] of sorted(inputs.labels)) record('label', key, value);
  record('base', inputs.baseImageId);
  for (const entry of inputs.entries) {
    record(
      'entry',
      entry.path,
      entry.type,
      entry.mode,
      entry.size,
      entry.mtimeNs.toString(),
      entry.linkTarget ?? '',
    );
  }
  return hash.digest('hex');
}
