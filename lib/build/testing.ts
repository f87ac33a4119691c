// Fixtures for tests of the build path: a SourceReader over an in-memory tree, and the generated
// Dockerfile for a ready base image (the builders' tests build it against the real engine with a
// locally imported busybox, since no registry is reachable there).

import type { EffectiveBuildSettings, GeneratedDockerfile } from './build-types';
import type { SourceReader } from './detect-language';
import { generateDockerfile } from './dockerfile';

/** A source tree as `{ 'go.mod': 'module x\n\ngo 1.22\n', 'src/a.go': '…' }`. */
export function memorySource(files: Record<string, string>): SourceReader {
  const normal = (path: string) => path.replace(/^\.\//, '').replace(/\/+$/, '');
  return {
    async exists(rel) {
      const path = normal(rel);
      return path in files || Object.keys(files).some((file) => file.startsWith(`${path}/`));
    },
    async read(rel, maxBytes) {
      const text = files[normal(rel)];
      return text === undefined ? undefined : text.slice(0, maxBytes);
    },
    async list(relDir) {
      const dir = normal(relDir);
      const prefix = dir === '.' || dir === '' ? '' : `${dir}/`;
      const names = Object.keys(files)
        .filter((file) => file.startsWith(prefix))
        .map((file) => file.slice(prefix.length).split('/')[0] as string);
      return [...new Set(names)].sort();
    },
  };
}

/**
 * The Dockerfile for a workspace on `image` (e.g. the locally imported `busybox:latest`), with no
 * packages unless `overrides` asks for some: busybox has no package manager.
 */
export function dockerfileForBaseImage(
  image: string,
  overrides: Partial<EffectiveBuildSettings> = {},
): GeneratedDockerfile {
  return generateDockerfile({
    settings: {
      baseImage: { value: image, source: 'workspace' },
      packages: { value: [], source: 'workspace' },
      args: {},
      ...overrides,
    },
    detected: { dockerfiles: [] },
  });
}
