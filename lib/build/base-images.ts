// Base images per language and what we can tell about an image from its name alone. The defaults
// are official Debian (bookworm) images on purpose: one package manager (apt), glibc, and the same
// distro for every language, where the original mixed alpine and ubuntu and broke on both (notes
// §10.2 "alpine vs apt detection"). Versions are pinned so a default never drifts silently.

/** Canonical language names, as detection reports them and `spec.language.name` may say them. */
export const LANGUAGES = ['go', 'node', 'python', 'rust', 'ruby', 'java'] as const;
export type LanguageName = (typeof LANGUAGES)[number];

/** Spellings users write (the original said `golang` and `nodejs`) → the canonical name. */
const ALIASES: Record<string, LanguageName> = {
  go: 'go',
  golang: 'go',
  node: 'node',
  nodejs: 'node',
  'node.js': 'node',
  javascript: 'node',
  js: 'node',
  typescript: 'node',
  ts: 'node',
  python: 'python',
  python3: 'python',
  py: 'python',
  rust: 'rust',
  ruby: 'ruby',
  rb: 'ruby',
  java: 'java',
  jdk: 'java',
  kotlin: 'java',
};

export function canonicalLanguage(name: string): LanguageName | undefined {
  return ALIASES[name.trim().toLowerCase()];
}

interface LanguageImage {
  /** Used when neither the app nor the source says which version. */
  defaultVersion: string;
  image: (version: string) => string;
}

const LANGUAGE_IMAGES: Record<LanguageName, LanguageImage> = {
  go: { defaultVersion: '1.23', image: (v) => `golang:${v}-bookworm` },
  node: { defaultVersion: '22', image: (v) => `node:${v}-bookworm-slim` },
  python: { defaultVersion: '3.12', image: (v) => `python:${v}-slim-bookworm` },
  rust: { defaultVersion: '1.83', image: (v) => `rust:${v}-slim-bookworm` },
  ruby: { defaultVersion: '3.3', image: (v) => `ruby:${v}-slim-bookworm` },
  java: { defaultVersion: '21', image: (v) => `eclipse-temurin:${v}-jdk` },
};

/** For apps in no known language: a small Debian with apt. */
export const FALLBACK_BASE_IMAGE = 'debian:bookworm-slim';

/** Only plain numeric versions become tags; anything else (`lts`, `stable`) takes the default. */
const TAG_VERSION = /^\d+(?:\.\d+){0,2}$/;

/**
 * The default base image for a language (canonical or alias) and version, and whether the version
 * was used or the language's default was taken instead.
 */
export function defaultBaseImage(
  language?: string,
  version?: string,
): { image: string; versionUsed: boolean } {
  const canonical = language === undefined ? undefined : canonicalLanguage(language);
  if (canonical === undefined) return { image: FALLBACK_BASE_IMAGE, versionUsed: false };
  const entry = LANGUAGE_IMAGES[canonical];
  // `v20` as users write it in version files is the tag `20`.
  const tag = version?.replace(/^v(?=\d)/i, '');
  const usable = tag !== undefined && TAG_VERSION.test(tag);
  return { image: entry.image(usable ? tag : entry.defaultVersion), versionUsed: usable };
}

export type PackageManager = 'apt' | 'apk' | 'detect' | 'none';

interface ImageName {
  /** Registry host, when the reference names one (`ghcr.io`, `localhost:5000`). */
  registry?: string;
  /** Path below the registry, lowercase: `library/golang`, `team/app`. */
  path: string;
  /** Last path component: `golang`. */
  repository: string;
  tag: string;
}

/** Splits `[registry/]path[:tag][@digest]` the way Docker reads a reference. */
export function parseImageName(reference: string): ImageName {
  let rest = reference.trim().toLowerCase();
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  // Docker's rule: the first component is a registry when it has a '.' or ':' or is localhost.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? '')) registry = parts.shift();
  if (parts.length === 1) parts.unshift('library');
  const path = parts.join('/');
  return { registry, path, repository: parts[parts.length - 1] ?? '', tag };
}

/** Docker Official Images built on Debian or Ubuntu (unless the tag says alpine). */
const OFFICIAL_APT_IMAGES = new Set([
  'debian',
  'ubuntu',
  'buildpack-deps',
  'golang',
  'node',
  'python',
  'rust',
  'ruby',
  'eclipse-temurin',
  'php',
  'perl',
  'gcc',
]);

/** Debian and Ubuntu release names, as tags of any image often carry them. */
const APT_CODENAMES = /(?:^|[-_.])(?:bookworm|bullseye|buster|trixie|jammy|focal|noble)(?:$|[-_.])/;

/**
 * The package manager an image most likely has, from its name alone: `apk` for alpine (in the
 * repository or the tag), `apt` for Debian/Ubuntu official images or a Debian/Ubuntu codename in
 * the tag, `none` for images without one (busybox, scratch, distroless), `detect` otherwise — the
 * generated Dockerfile then probes for one when it builds.
 */
export function packageManagerOf(image: string): PackageManager {
  const name = parseImageName(image);
  if (hasNoPackageManager(name)) return 'none';
  if (name.repository.includes('alpine') || name.tag.includes('alpine')) return 'apk';
  const official = name.path === `library/${name.repository}`;
  if (official && OFFICIAL_APT_IMAGES.has(name.repository)) return 'apt';
  if (APT_CODENAMES.test(name.tag)) return 'apt';
  return 'detect';
}

/** busybox under any namespace (our tests import one as `dvm-test/busybox`), scratch, distroless. */
function hasNoPackageManager(name: ImageName): boolean {
  return (
    name.repository === 'busybox' ||
    name.path === 'library/scratch' ||
    name.path.split('/').includes('distroless')
  );
}

/**
 * False for images known to have no `/bin/sh`: scratch and distroless (whose `debug` tags keep
 * a shell at /busybox/sh, not where RUN and the keep-alive command look for it). A workspace
 * image needs a shell for its setup steps and its keep-alive command.
 */
export function imageHasShell(image: string): boolean {
  const name = parseImageName(image);
  return name.path !== 'library/scratch' && !name.path.split('/').includes('distroless');
}
