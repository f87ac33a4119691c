import { afterEach, describe, expect, it } from 'vitest';

import { APPLIED_SPEC_PATHS, notYetAppliedPaths } from './not-yet-applied';
import { NOTES_EXAMPLES, ORIGINAL_OUTPUT } from './original-examples.fixtures';
import { parseManifest, parseManifests } from './resource';

const appliedBefore = { ...APPLIED_SPEC_PATHS };
afterEach(() => Object.assign(APPLIED_SPEC_PATHS, appliedBefore));

describe('not-yet-applied fields', () => {
  it('reports the spec fields of the notes workspace example that nothing acts on', () => {
    const { resource, warnings } = parseManifests(NOTES_EXAMPLES.workspace).items[0]!;
    // image.name, env, mounts and the container settings are applied by `start` (P1.4); the
    // image and build settings, except devTools, by builds (P1.5).
    const paths = ['build.devStage.devTools', 'shell', 'terminal', 'nvim', 'sshKey'].map(
      (key) => `spec.${key}`,
    );
    expect(notYetAppliedPaths(resource)).toEqual(paths);
    expect(warnings).toEqual(
      expect.arrayContaining(paths.map((path) => `${path} is stored but not applied yet`)),
    );
  });

  it('reports the App fields, and nothing for an empty spec', () => {
    const { resource } = parseManifests(NOTES_EXAMPLES.app).items[0]!;
    // path, host, git and env are applied by workspace start (P1.4), language and build by
    // builds (P1.5) except the buildpack.
    expect(notYetAppliedPaths(resource)).toEqual([
      'spec.build.buildpack',
      'spec.dependencies',
      'spec.services',
      'spec.ports',
      'spec.workspaces',
    ]);
    expect(parseManifests(NOTES_EXAMPLES.domain).items[0]!.warnings).toEqual([]);
  });

  it('applies the build settings inherited from Ecosystem and Domain, and the App base image', () => {
    const build = { args: { A: '1' }, baseImage: 'corp/base:1' };
    const metadata = { Ecosystem: { name: 'e' }, Domain: { name: 'd', ecosystem: 'e' } };
    for (const kind of ['Ecosystem', 'Domain'] as const) {
      const manifest = {
        apiVersion: 'devopsmaestro.io/v1',
        kind,
        metadata: metadata[kind],
        spec: { build, theme: 'nord' },
      };
      expect(parseManifest(manifest).warnings).toEqual([
        'spec.theme is stored but not applied yet',
      ]);
    }
    const app = {
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'App',
      metadata: { name: 'a', domain: 'd' },
      spec: { path: '/src/a', build: { baseImage: 'corp/api:1' } },
    };
    expect(parseManifest(app).warnings).toEqual([]);
  });

  it('skips empty values such as the original output prints', () => {
    expect(parseManifests(NOTES_EXAMPLES.ecosystem).items[0]!.warnings).toEqual([]);
    const { resource } = parseManifests(ORIGINAL_OUTPUT.workspace).items[0]!;
    // build: {devStage: {}} and shell: {type: ""} say nothing.
    expect(notYetAppliedPaths(resource)).toEqual(['spec.nvim']);
  });

  it('reports siblings one by one once a deeper path is applied', () => {
    APPLIED_SPEC_PATHS.Workspace = ['spec.image.name', 'spec.env'];
    const { resource } = parseManifests(NOTES_EXAMPLES.workspace).items[0]!;
    const paths = notYetAppliedPaths(resource);
    expect(paths.slice(0, 3)).toEqual([
      'spec.image.buildFrom',
      'spec.image.baseImage',
      'spec.build',
    ]);
    expect(paths).not.toContain('spec.image.name');
    expect(paths).not.toContain('spec.env');
  });

  it('can be left out of parse warnings', () => {
    const manifest = {
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Workspace',
      metadata: { name: 'a', app: 'b' },
      spec: { shell: { type: 'zsh' } },
    };
    expect(parseManifest(manifest).warnings).toEqual(['spec.shell is stored but not applied yet']);
    expect(parseManifest(manifest, { reportNotApplied: false }).warnings).toEqual([]);
  });
});
