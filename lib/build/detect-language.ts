// Language detection from indicator files at the top of the build context, with the version the
// project declares. Deterministic, unlike the original's file-count vote (notes §4.1: ties were
// decided by Go map order): the first language in a fixed order whose manifest exists wins.
// Reads only through SourceReader, so the agent can point it at a directory and tests at a map.

import type { DetectedSource } from './build-types';
import type { LanguageName } from './base-images';

/** Read-only access to the source tree, paths relative to the build context, `/`-separated. */
export interface SourceReader {
  exists(rel: string): Promise<boolean>;
  /** The file's text (at most `maxBytes` of it), or undefined when it is absent or unreadable. */
  read(rel: string, maxBytes: number): Promise<string | undefined>;
  /** Names of the entries in a directory (`.` for the root); empty when it is absent. */
  list(relDir: string): Promise<string[]>;
}

/** Manifests and version files are small; a huge one is not worth reading whole. */
const MAX_READ = 64 * 1024;

type Detected = NonNullable<DetectedSource['language']>;

interface LanguageRule {
  name: LanguageName;
  /** Files whose presence names the language, most telling first. */
  indicators: string[];
  /** The declared version and the file it came from, if the project says. */
  version(reader: SourceReader, indicator: string): Promise<Version | undefined>;
}

interface Version {
  value: string;
  file: string;
}

/**
 * Order matters when a tree has several manifests: a package.json next to go.mod, a Gemfile or
 * pyproject.toml usually holds front-end or lint tooling, so Node.js comes last; a
 * requirements.txt in a Go or Rust repository is usually for docs, so Python comes after them.
 */
const RULES: LanguageRule[] = [
  { name: 'go', indicators: ['go.mod'], version: goVersion },
  {
    name: 'rust',
    indicators: ['Cargo.toml'],
    version: (reader) => firstVersion(reader, ['rust-toolchain.toml', 'rust-toolchain'], rust),
  },
  {
    name: 'java',
    indicators: ['pom.xml', 'build.gradle.kts', 'build.gradle'],
    version: javaVersion,
  },
  {
    name: 'ruby',
    indicators: ['Gemfile'],
    version: (reader) => firstVersion(reader, ['.ruby-version'], majorMinor),
  },
  {
    name: 'python',
    indicators: ['pyproject.toml', 'requirements.txt', 'setup.py', 'Pipfile'],
    version: pythonVersion,
  },
  { name: 'node', indicators: ['package.json'], version: nodeVersion },
];

/** Files named like a Dockerfile or Containerfile (`Dockerfile`, `Dockerfile.dev`, `dev.Dockerfile`). */
const DOCKERFILE_NAME =
  /^(?:dockerfile|containerfile)(?:\..+)?$|^.+\.(?:dockerfile|containerfile)$/i;

/**
 * The language of the tree at the context root (with its declared version and the evidence),
 * and the Dockerfiles at the top level. Versions are normalised to what an image tag needs:
 * major.minor for Go, Python, Ruby and Rust (`1.22.3` → `1.22`), the major for Node.js and
 * Java (`v20.11.0` → `20`, `1.8` → `8`); a version that is not a number (`lts/*`, `stable`)
 * is left out, so the language's default is used.
 */
export async function detectSource(reader: SourceReader): Promise<DetectedSource> {
  const entries = await reader.list('.');
  const dockerfiles = entries.filter((name) => DOCKERFILE_NAME.test(name)).sort();
  for (const rule of RULES) {
    for (const indicator of rule.indicators) {
      if (!(await reader.exists(indicator))) continue;
      const version = await rule.version(reader, indicator);
      const language: Detected = { name: rule.name, evidence: indicator };
      if (version) {
        language.version = version.value;
        language.evidence =
          version.file === indicator
            ? `${indicator} (version ${version.value})`
            : `${indicator}; version ${version.value} from ${version.file}`;
      }
      return { language, dockerfiles };
    }
  }
  return { dockerfiles };
}

async function firstVersion(
  reader: SourceReader,
  files: string[],
  parse: (text: string) => string | undefined,
): Promise<Version | undefined> {
  for (const file of files) {
    const text = await reader.read(file, MAX_READ);
    if (text === undefined) continue;
    const value = parse(text);
    if (value) return { value, file };
  }
  return undefined;
}

// ---- version parsers (exported for tests) ----

/** `1.22.3` → `1.22`; `v3.11` → `3.11`; the first X.Y found (after any prefix such as `ruby-`). */
export function majorMinor(text: string): string | undefined {
  const match = /(?:^|[^\d.])(\d+)\.(\d+)/.exec(` ${firstMeaningfulLine(text)}`);
  return match ? `${match[1]}.${match[2]}` : undefined;
}

/** `v20.11.0` → `20`; `>=18 <21` → `18` (the lowest the project accepts); `lts/*` → none. */
export function major(text: string): string | undefined {
  const match = /(?:^|[^\d.])(\d+)(?:\.|\b)/.exec(` ${firstMeaningfulLine(text)}`);
  return match?.[1];
}

/** Version files may carry comments (`.python-version`, `.nvmrc`) and trailing blank lines. */
function firstMeaningfulLine(text: string): string {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) return line;
  }
  return '';
}

/** Node's LTS code names in `.nvmrc` (`lts/iron`). */
const NODE_LTS: Record<string, string> = {
  argon: '4',
  boron: '6',
  carbon: '8',
  dubnium: '10',
  erbium: '12',
  fermium: '14',
  gallium: '16',
  hydrogen: '18',
  iron: '20',
  jod: '22',
};

export function nodeVersionOf(text: string): string | undefined {
  const line = firstMeaningfulLine(text).toLowerCase();
  const lts = /^lts\/([a-z]+)$/.exec(line);
  if (lts) return NODE_LTS[lts[1] ?? ''];
  return major(line);
}

async function nodeVersion(reader: SourceReader): Promise<Version | undefined> {
  const fromFile = await firstVersion(reader, ['.nvmrc', '.node-version'], nodeVersionOf);
  if (fromFile) return fromFile;
  const pkg = await reader.read('package.json', MAX_READ);
  const engines = pkg === undefined ? undefined : jsonPath(pkg, ['engines', 'node']);
  const value = typeof engines === 'string' ? major(engines) : undefined;
  return value ? { value, file: 'package.json engines.node' } : undefined;
}

async function goVersion(reader: SourceReader): Promise<Version | undefined> {
  const text = await reader.read('go.mod', MAX_READ);
  const match = text === undefined ? null : /^go\s+(\d+\.\d+)/m.exec(text);
  return match?.[1] ? { value: match[1], file: 'go.mod' } : undefined;
}

/** `channel = "1.75.0"` in rust-toolchain.toml, or the bare channel in legacy rust-toolchain. */
export function rust(text: string): string | undefined {
  const channel = /^\s*channel\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
  const value = channel ?? firstMeaningfulLine(text);
  return /^\d+\.\d+/.test(value) ? majorMinor(value) : undefined;
}

async function pythonVersion(reader: SourceReader): Promise<Version | undefined> {
  const fromFile = await firstVersion(reader, ['.python-version'], majorMinor);
  if (fromFile) return fromFile;
  const pyproject = await reader.read('pyproject.toml', MAX_READ);
  const requires =
    pyproject === undefined
      ? undefined
      : /^\s*requires-python\s*=\s*["']([^"']+)["']/m.exec(pyproject)?.[1];
  const fromPyproject = requires === undefined ? undefined : majorMinor(requires);
  if (fromPyproject) return { value: fromPyproject, file: 'pyproject.toml requires-python' };
  const pipfile = await reader.read('Pipfile', MAX_READ);
  const pinned =
    pipfile === undefined
      ? undefined
      : /^\s*python_version\s*=\s*["']([^"']+)["']/m.exec(pipfile)?.[1];
  const fromPipfile = pinned === undefined ? undefined : majorMinor(pinned);
  return fromPipfile ? { value: fromPipfile, file: 'Pipfile python_version' } : undefined;
}

/** `1.8` → `8` (Java's old numbering), `17` → `17`. */
export function javaMajor(text: string): string | undefined {
  const match = /^(?:1\.)?(\d+)/.exec(text.trim());
  return match?.[1];
}

async function javaVersion(reader: SourceReader, indicator: string): Promise<Version | undefined> {
  const text = await reader.read(indicator, MAX_READ);
  if (text === undefined) return undefined;
  const patterns =
    indicator === 'pom.xml'
      ? [
          /<maven\.compiler\.release>\s*([\d.]+)\s*</,
          /<release>\s*([\d.]+)\s*<\/release>/,
          /<maven\.compiler\.source>\s*([\d.]+)\s*</,
          /<java\.version>\s*([\d.]+)\s*</,
        ]
      : [
          /JavaLanguageVersion\.of\(\s*(\d+)\s*\)/,
          /(?:source|target)Compatibility\s*=\s*JavaVersion\.VERSION_(?:1_)?(\d+)/,
          /(?:source|target)Compatibility\s*=\s*['"]?([\d.]+)['"]?/,
        ];
  for (const pattern of patterns) {
    const raw = pattern.exec(text)?.[1];
    const value = raw === undefined ? undefined : javaMajor(raw);
    if (value) return { value, file: indicator };
  }
  return undefined;
}

function jsonPath(text: string, path: string[]): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
