import { describe, expect, it } from 'vitest';

import { parseManifests } from '../contracts/resource';
import { NOTES_EXAMPLES } from '../contracts/original-examples.fixtures';
import { buildArgValues, resolveBuildSettings, type BuildLevels } from './resolve-settings';

function levels(specs: Partial<Record<keyof BuildLevels, Record<string, unknown>>>): BuildLevels {
  return {
    ecosystem: { spec: specs.ecosystem ?? {} },
    domain: { spec: specs.domain ?? {} },
    app: { spec: specs.app ?? { path: '/src/app' } },
    workspace: { spec: specs.workspace ?? {} },
  };
}

describe('resolveBuildSettings', () => {
  it('gives the defaults for empty specs', () => {
    expect(resolveBuildSettings(levels({}))).toEqual({
      args: {},
      user: { value: { name: 'dev', uid: 1000, gid: 1000 }, source: 'default' },
    });
  });

  it('takes the base image from the most specific level that sets one', () => {
    const eco = { build: { baseImage: 'corp/base:1' } };
    const dom = { build: { baseImage: 'corp/backend:1' } };
    const app = { path: '/a', build: { baseImage: 'corp/api:1' } };
    const ws = { image: { baseImage: 'my-api:prod' } };
    expect(resolveBuildSettings(levels({ ecosystem: eco })).baseImage).toEqual({
      value: 'corp/base:1',
      source: 'ecosystem',
    });
    expect(resolveBuildSettings(levels({ ecosystem: eco, domain: dom })).baseImage).toEqual({
      value: 'corp/backend:1',
      source: 'domain',
    });
    expect(resolveBuildSettings(levels({ ecosystem: eco, domain: dom, app })).baseImage).toEqual({
      value: 'corp/api:1',
      source: 'app',
    });
    expect(
      resolveBuildSettings(levels({ ecosystem: eco, domain: dom, app, workspace: ws })).baseImage,
    ).toEqual({ value: 'my-api:prod', source: 'workspace' });
  });

  it("keeps the app's target only with the app's own Dockerfile", () => {
    const app = { path: '/a', build: { dockerfile: './Dockerfile', target: 'build' } };
    const own = resolveBuildSettings(levels({ app }));
    expect(own.dockerfile).toEqual({ value: './Dockerfile', source: 'app' });
    expect(own.target).toEqual({ value: 'build', source: 'app' });
    const same = resolveBuildSettings(
      levels({ app, workspace: { image: { buildFrom: 'Dockerfile' } } }),
    );
    expect(same.dockerfile).toEqual({ value: 'Dockerfile', source: 'workspace' });
    expect(same.target).toEqual({ value: 'build', source: 'app' });
    const other = resolveBuildSettings(
      levels({ app, workspace: { image: { buildFrom: 'docker/dev.Dockerfile' } } }),
    );
    expect(other.dockerfile).toEqual({ value: 'docker/dev.Dockerfile', source: 'workspace' });
    expect(other.target).toBeUndefined();
  });

  it('merges build args per key, the lower level winning', () => {
    const settings = resolveBuildSettings(
      levels({
        ecosystem: { build: { args: { REGISTRY: 'eco', LEVEL: 'eco' } } },
        domain: { build: { args: { LEVEL: 'domain' } } },
        app: { path: '/a', build: { args: { APP_ONLY: 'x', LEVEL: 'app' } } },
        workspace: { build: { args: { LEVEL: 'workspace' } } },
      }),
    );
    expect(settings.args).toEqual({
      REGISTRY: { value: 'eco', source: 'ecosystem' },
      LEVEL: { value: 'workspace', source: 'workspace' },
      APP_ONLY: { value: 'x', source: 'app' },
    });
    expect(buildArgValues(settings)).toEqual({
      REGISTRY: 'eco',
      LEVEL: 'workspace',
      APP_ONLY: 'x',
    });
  });

  it('prefers image.packages, keeps an explicit empty list, reads the dev stage', () => {
    expect(
      resolveBuildSettings(
        levels({
          workspace: {
            image: { packages: ['git'] },
            build: { devStage: { packages: ['curl'], customCommands: ['echo hi'] } },
          },
        }),
      ),
    ).toMatchObject({
      packages: { value: ['git'], source: 'workspace' },
      customCommands: { value: ['echo hi'], source: 'workspace' },
    });
    expect(
      resolveBuildSettings(levels({ workspace: { build: { devStage: { packages: ['curl'] } } } }))
        .packages,
    ).toEqual({ value: ['curl'], source: 'workspace' });
    expect(
      resolveBuildSettings(levels({ workspace: { image: { packages: [] } } })).packages,
    ).toEqual({ value: [], source: 'workspace' });
  });

  it('reads the user from the container settings', () => {
    const user = (container: Record<string, unknown>) =>
      resolveBuildSettings(levels({ workspace: { container } })).user;
    expect(user({ user: 'alice', uid: 1234, gid: 2345 })).toEqual({
      value: { name: 'alice', uid: 1234, gid: 2345 },
      source: 'workspace',
    });
    expect(user({ uid: 1500 })).toEqual({
      value: { name: 'dev', uid: 1500, gid: 1500 },
      source: 'workspace',
    });
    expect(user({ workingDir: '/workspace' })).toEqual({
      value: { name: 'dev', uid: 1000, gid: 1000 },
      source: 'default',
    });
  });

  it('resolves the original notes examples', () => {
    const spec = (yaml: string) =>
      parseManifests(yaml).items[0]!.resource.spec as Record<string, unknown>;
    const settings = resolveBuildSettings({
      ecosystem: { spec: spec(NOTES_EXAMPLES.ecosystem) },
      domain: { spec: spec(NOTES_EXAMPLES.domain) },
      app: { spec: spec(NOTES_EXAMPLES.app) },
      workspace: { spec: spec(NOTES_EXAMPLES.workspace) },
    });
    expect(settings).toEqual({
      baseImage: { value: 'my-api:prod', source: 'workspace' },
      dockerfile: { value: './Dockerfile', source: 'workspace' },
      target: { value: 'production', source: 'app' },
      context: { value: '.', source: 'app' },
      language: { value: { name: 'go', version: '1.22' }, source: 'app' },
      packages: { value: ['git', 'curl', 'ripgrep'], source: 'workspace' },
      customCommands: {
        value: ['curl -fsSL https://starship.rs/install.sh | sh -s -- -y'],
        source: 'workspace',
      },
      args: {
        GITHUB_TOKEN: { value: '${GITHUB_TOKEN}', source: 'app' },
        GITHUB_USERNAME: { value: '${GITHUB_USERNAME}', source: 'workspace' },
      },
      user: { value: { name: 'dev', uid: 1000, gid: 1000 }, source: 'workspace' },
    });
  });
});
