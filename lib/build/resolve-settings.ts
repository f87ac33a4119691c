// The effective build settings of a workspace, from the stored specs down the hierarchy
// Ecosystem → Domain → App → Workspace (DESIGN §5): a later level wins, and every value says
// which level it came from so users see why a build used it. Pure: the specs are the stored
// objects' (already validated by lib/contracts), read defensively since they arrive as JSON.

import type { EffectiveBuildSettings, SettingSource, Sourced } from './build-types';

export interface StoredSpec {
  spec: Record<string, unknown>;
}

export interface BuildLevels {
  ecosystem: StoredSpec;
  domain: StoredSpec;
  app: StoredSpec;
  workspace: StoredSpec;
}

/** The dev user when the workspace names none: the runtime's default `1000:1000` (P1.4). */
export const DEFAULT_USER = { name: 'dev', uid: 1000, gid: 1000 } as const;

/**
 * Resolves what the Dockerfile generator and the builder need:
 * - baseImage: workspace `image.baseImage` > app `build.baseImage` > domain, ecosystem
 *   `build.baseImage`;
 * - dockerfile: workspace `image.buildFrom` > app `build.dockerfile`; the app's `build.target`
 *   only goes with the app's own Dockerfile (another Dockerfile need not have that stage);
 * - context, language: the app's `build.context`, `language`;
 * - packages: workspace `image.packages`, else `build.devStage.packages` (`[]` stays `[]`);
 * - customCommands: workspace `build.devStage.customCommands`;
 * - args: `build.args` of all four levels merged per key;
 * - user: workspace `container.user`/`uid`/`gid`, each defaulting to dev 1000:1000.
 * When a Dockerfile and a base image are both set, the generator picks (dockerfile.ts).
 */
export function resolveBuildSettings(levels: BuildLevels): EffectiveBuildSettings {
  const eco = levels.ecosystem.spec;
  const dom = levels.domain.spec;
  const app = levels.app.spec;
  const ws = levels.workspace.spec;
  const settings: EffectiveBuildSettings = { args: {} };

  const baseImage =
    sourced(stringAt(ws, 'image', 'baseImage'), 'workspace') ??
    sourced(stringAt(app, 'build', 'baseImage'), 'app') ??
    sourced(stringAt(dom, 'build', 'baseImage'), 'domain') ??
    sourced(stringAt(eco, 'build', 'baseImage'), 'ecosystem');
  if (baseImage) settings.baseImage = baseImage;

  const appDockerfile = stringAt(app, 'build', 'dockerfile');
  const dockerfile =
    sourced(stringAt(ws, 'image', 'buildFrom'), 'workspace') ?? sourced(appDockerfile, 'app');
  if (dockerfile) {
    settings.dockerfile = dockerfile;
    const target = stringAt(app, 'build', 'target');
    const sameFile = appDockerfile !== undefined && samePath(appDockerfile, dockerfile.value);
    if (target !== undefined && sameFile) settings.target = { value: target, source: 'app' };
  }

  const context = sourced(stringAt(app, 'build', 'context'), 'app');
  if (context) settings.context = context;

  const language = valueAt(app, 'language');
  if (isRecord(language) && typeof language.name === 'string' && language.name !== '') {
    const value: { name: string; version?: string } = { name: language.name };
    if (typeof language.version === 'string' && language.version !== '') {
      value.version = language.version;
    }
    settings.language = { value, source: 'app' };
  }

  const packages =
    stringsAt(ws, 'image', 'packages') ?? stringsAt(ws, 'build', 'devStage', 'packages');
  if (packages) settings.packages = { value: packages, source: 'workspace' };

  const commands = stringsAt(ws, 'build', 'devStage', 'customCommands');
  if (commands && commands.length > 0) {
    settings.customCommands = { value: commands, source: 'workspace' };
  }

  const levelsInOrder: Array<[Record<string, unknown>, SettingSource]> = [
    [eco, 'ecosystem'],
    [dom, 'domain'],
    [app, 'app'],
    [ws, 'workspace'],
  ];
  for (const [spec, source] of levelsInOrder) {
    const args = valueAt(spec, 'build', 'args');
    if (!isRecord(args)) continue;
    for (const [key, value] of Object.entries(args)) {
      if (typeof value === 'string') settings.args[key] = { value, source };
      else if (typeof value === 'number' || typeof value === 'boolean') {
        settings.args[key] = { value: String(value), source };
      }
    }
  }

  settings.user = userOf(ws);
  return settings;
}

function userOf(ws: Record<string, unknown>): Sourced<{ name: string; uid: number; gid: number }> {
  const name = stringAt(ws, 'container', 'user');
  const uid = numberAt(ws, 'container', 'uid');
  const gid = numberAt(ws, 'container', 'gid');
  const value = {
    name: name ?? DEFAULT_USER.name,
    uid: uid ?? DEFAULT_USER.uid,
    // A uid alone means a personal group of the same number, as the runtime reads it (P1.4).
    gid: gid ?? uid ?? DEFAULT_USER.gid,
  };
  const named = name !== undefined || uid !== undefined || gid !== undefined;
  return { value, source: named ? 'workspace' : 'default' };
}

/** `./Dockerfile` and `Dockerfile` are the same file. */
function samePath(a: string, b: string): boolean {
  const clean = (path: string) =>
    path
      .split('/')
      .filter((part) => part !== '' && part !== '.')
      .join('/');
  return clean(a) === clean(b);
}

function sourced<T>(value: T | undefined, source: SettingSource): Sourced<T> | undefined {
  return value === undefined ? undefined : { value, source };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(spec: Record<string, unknown>, ...path: string[]): unknown {
  let value: unknown = spec;
  for (const key of path) {
    if (!isRecord(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** A non-empty string at `path`; `""` (as the original printed unset values) counts as unset. */
function stringAt(spec: Record<string, unknown>, ...path: string[]): string | undefined {
  const value = valueAt(spec, ...path);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function numberAt(spec: Record<string, unknown>, ...path: string[]): number | undefined {
  const value = valueAt(spec, ...path);
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function stringsAt(spec: Record<string, unknown>, ...path: string[]): string[] | undefined {
  const value = valueAt(spec, ...path);
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is string => typeof item === 'string');
}

/** The build args as the builder takes them (`--build-arg NAME=value`). */
export function buildArgValues(settings: EffectiveBuildSettings): Record<string, string> {
  return Object.fromEntries(Object.entries(settings.args).map(([name, arg]) => [name, arg.value]));
}
