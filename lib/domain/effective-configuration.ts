// A workspace's effective configuration as its next build and start will use it, each value with
// the level it comes from (DESIGN §5: settings are inherited Ecosystem → Domain → App →
// Workspace, a later level wins). Built from the same resolvers the builder and the container
// plan use, so what the page shows is what happens, not a second reading of the specs.

import { DEFAULT_USER, resolveBuildSettings } from '@/lib/build/resolve-settings';
import type { SettingSource } from '@/lib/build/build-types';
import type { ObjectKey } from '@/lib/store/data-store';
import type { ActionContext } from './action-context';
import { authorize } from './authorize';

export interface EffectiveSetting {
  /** What it is, in words: "Base image", "Build arg GOFLAGS", "Env EDITOR". */
  setting: string;
  value: string;
  /** The level that set it, or `default` when nobody did. */
  source: SettingSource;
}

const DEFAULT_PACKAGES = 'git curl zsh neovim';

function envAt(spec: Record<string, unknown>): Record<string, string> {
  const env = spec.env;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return {};
  return Object.fromEntries(
    Object.entries(env).filter((pair): pair is [string, string] => typeof pair[1] === 'string'),
  );
}

export async function effectiveConfiguration(
  ctx: ActionContext,
  key: ObjectKey,
): Promise<EffectiveSetting[]> {
  await authorize(ctx, 'read', key.ecosystem);
  const [ecosystem, domain, app, workspace] = await Promise.all([
    ctx.store.ecosystems.get({ name: key.ecosystem! }),
    ctx.store.domains.get({ ecosystem: key.ecosystem, name: key.domain! }),
    ctx.store.apps.get({ ecosystem: key.ecosystem, domain: key.domain, name: key.app! }),
    ctx.store.workspaces.get(key),
  ]);
  const build = resolveBuildSettings({ ecosystem, domain, app, workspace });
  const rows: EffectiveSetting[] = [];
  const readyImage = (workspace.spec.image as { name?: unknown } | undefined)?.name;
  if (typeof readyImage === 'string' && readyImage !== '') {
    rows.push({ setting: 'Ready image (no build)', value: readyImage, source: 'workspace' });
  }
  rows.push(
    build.baseImage
      ? { setting: 'Base image', ...build.baseImage }
      : {
          setting: 'Base image',
          value: "the language's default (detected at build time)",
          source: 'default',
        },
  );
  if (build.dockerfile) rows.push({ setting: 'Dockerfile', ...build.dockerfile });
  if (build.target) rows.push({ setting: 'Dockerfile target', ...build.target });
  if (build.language) {
    const { name, version } = build.language.value;
    rows.push({
      setting: 'Language',
      value: version ? `${name} ${version}` : name,
      source: build.language.source,
    });
  }
  rows.push(
    build.packages
      ? {
          setting: 'Packages',
          value: build.packages.value.length ? build.packages.value.join(' ') : 'none',
          source: build.packages.source,
        }
      : { setting: 'Packages', value: DEFAULT_PACKAGES, source: 'default' },
  );
  for (const [name, arg] of Object.entries(build.args)) {
    rows.push({ setting: `Build arg ${name}`, ...arg });
  }
  const user = build.user ?? { value: DEFAULT_USER, source: 'default' as const };
  rows.push({
    setting: 'User',
    value: `${user.value.name} (${user.value.uid}:${user.value.gid})`,
    source: user.source,
  });
  // The container plan's order: ecosystem, then domain, then the app's and the workspace's own.
  const env = new Map<string, { value: string; source: SettingSource }>();
  for (const [level, object] of [
    ['ecosystem', ecosystem],
    ['domain', domain],
    ['app', app],
    ['workspace', workspace],
  ] as const) {
    for (const [name, value] of Object.entries(envAt(object.spec))) {
      env.set(name, { value, source: level });
    }
  }
  for (const [name, entry] of env) rows.push({ setting: `Env ${name}`, ...entry });
  return rows;
}
