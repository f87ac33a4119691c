// The resource forms' translations, checked against the real contracts: what a create form sends
// is a manifest the API accepts, an edit patch keeps what the form does not show, and contract
// errors land on the field that caused them.
import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '@/lib/contracts/merge-patch';
import { parseResourceBody } from '@/lib/domain/resource-body';
import { hasErrorCode } from '@/lib/errors';
import type { StoredObject } from '@/lib/store/data-store';
import {
  fieldOfPath,
  formValuesOf,
  manifestToCreate,
  parseLabels,
  patchToUpdate,
} from './resource-form';

const PARENT = { ecosystem: 'eco', domain: 'dom' };

function stored(spec: StoredObject['spec'], labels: Record<string, string> = {}): StoredObject {
  return {
    id: 'id-1',
    level: 'app',
    name: 'api',
    ...PARENT,
    labels,
    annotations: { description: 'old', owner: 'team-a' },
    spec,
    version: 3,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

describe('resource forms', () => {
  it('reads labels as key=value lines and names the line that is not one', () => {
    expect(parseLabels('team=web\n\n tier = backend \n')).toEqual({
      labels: { team: 'web', tier: 'backend' },
    });
    expect(parseLabels('team=web\njust words')).toEqual({ problem: 'line 2 is not key=value' });
    expect(parseLabels('=value')).toEqual({ problem: 'line 1 is not key=value' });
  });

  it('creates a manifest the contracts accept, with only the fields filled in', () => {
    const form = {
      name: 'api',
      description: 'The API',
      path: '/src/api',
      gitUrl: '',
      language: 'go',
      languageVersion: '1.22',
      dockerfile: '',
    };
    const body = manifestToCreate('app', form, { team: 'web' });
    expect(body).toEqual({
      metadata: { name: 'api', labels: { team: 'web' }, annotations: { description: 'The API' } },
      spec: { path: '/src/api', language: { name: 'go', version: '1.22' } },
    });
    const parsed = parseResourceBody('app', body, PARENT);
    expect(parsed.resource.spec).toEqual(body.spec);
  });

  it('refuses through the contracts what the form got wrong, on the right field', () => {
    const body = manifestToCreate('app', { name: 'Bad Name', gitUrl: 'not a url' }, {});
    let paths: string[] = [];
    try {
      parseResourceBody('app', body, PARENT);
    } catch (error) {
      if (!hasErrorCode(error, 'INVALID')) throw error;
      paths = error.errors.map((e) => e.path);
    }
    expect(paths).toEqual(expect.arrayContaining(['metadata.name', 'spec.git.url']));
    expect(paths.map((p) => fieldOfPath('app', p))).toEqual(
      expect.arrayContaining(['name', 'gitUrl']),
    );
    expect(fieldOfPath('app', 'metadata.labels.bad key')).toBe('labels');
    expect(fieldOfPath('app', 'spec.git')).toBe('gitUrl');
    expect(fieldOfPath('workspace', 'spec.shell.type')).toBe('shell');
    expect(fieldOfPath('app', 'spec.services.0.name')).toBeUndefined();
  });

  it('edits with a merge patch that keeps what the form does not show', () => {
    const current = stored(
      {
        path: '/src/api',
        git: { url: 'https://example.com/api.git', ref: 'main' },
        build: { dockerfile: 'Dockerfile', args: { GOFLAGS: '-mod=vendor' } },
        env: { A: '1' },
      },
      { team: 'web', tier: 'backend' },
    );
    const form: Record<string, string> = {
      ...formValuesOf(current),
      labels: 'team=payments',
      gitUrl: '',
      gitRef: '',
      dockerfile: '',
      description: '',
    };
    const patch = patchToUpdate('app', form, { team: 'payments' }, current);
    const manifest = {
      metadata: {
        name: 'api',
        ...PARENT,
        labels: current.labels,
        annotations: current.annotations,
      },
      spec: current.spec,
    };
    const after = applyMergePatch(manifest, patch) as typeof manifest;
    // Labels are replaced, the description removed, other annotations kept.
    expect(after.metadata.labels).toEqual({ team: 'payments' });
    expect(after.metadata.annotations).toEqual({ owner: 'team-a' });
    // The emptied git group goes entirely; build keeps its args though the dockerfile went.
    expect(after.spec).toEqual({
      path: '/src/api',
      build: { args: { GOFLAGS: '-mod=vendor' } },
      env: { A: '1' },
    });
    expect(() => parseResourceBody('app', after, PARENT)).not.toThrow();
  });

  it('fills an edit form from the stored object', () => {
    expect(
      formValuesOf(stored({ path: '/src', language: { name: 'go' } }, { a: 'b', c: 'd' })),
    ).toMatchObject({
      description: 'old',
      labels: 'a=b\nc=d',
      path: '/src',
      language: 'go',
      gitUrl: '',
    });
  });

  it('reads packages as words, `none` as the empty list and empty as "the defaults"', () => {
    const parent = { ...PARENT, app: 'api' };
    const words = manifestToCreate('workspace', { name: 'dev', packages: 'git, curl  jq' }, {});
    expect(words.spec).toEqual({ image: { packages: ['git', 'curl', 'jq'] } });
    expect(parseResourceBody('workspace', words, parent).resource.spec).toEqual(words.spec);
    const none = manifestToCreate('workspace', { name: 'dev', packages: 'none' }, {});
    expect(none.spec).toEqual({ image: { packages: [] } });
    expect(manifestToCreate('workspace', { name: 'dev', packages: ' ' }, {}).spec).toEqual({});
    const ws = { ...stored({ image: { packages: [] } }), level: 'workspace' as const };
    expect(formValuesOf(ws).packages).toBe('none');
  });
});
