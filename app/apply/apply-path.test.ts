// The YAML view's link format and how apply's problem paths read to a person.
import { describe, expect, it } from 'vitest';
import { yamlViewHref } from '@/components/view-yaml-link';
import { describeApplyPath } from './apply-path';
import { parseObjectRef } from './object-ref';

describe('describeApplyPath', () => {
  it('names the document, the list item and the field', () => {
    expect(describeApplyPath('[1].metadata.name')).toBe('Document 2, field metadata.name');
    expect(describeApplyPath('items[0].spec.image')).toBe('List item 1, field spec.image');
    expect(describeApplyPath('[2].items[3]')).toBe('Document 3, list item 4');
    expect(describeApplyPath('metadata.ecosystem')).toBe('Field metadata.ecosystem');
    expect(describeApplyPath('[0]')).toBe('Document 1');
    expect(describeApplyPath('')).toBe('The text');
  });
});

describe('object refs', () => {
  it('reads the level from the number of names, as the View YAML link writes them', () => {
    const href = yamlViewHref(['platform', 'backend', 'api', 'dev']);
    expect(href).toBe('/apply?ref=platform/backend/api/dev');
    const ref = new URL(href, 'http://x').searchParams.get('ref')!;
    expect(parseObjectRef(ref)).toEqual({
      level: 'workspace',
      key: { ecosystem: 'platform', domain: 'backend', app: 'api', name: 'dev' },
      label: 'workspace platform/backend/api/dev',
    });
    expect(parseObjectRef('platform')).toEqual({
      level: 'ecosystem',
      key: { name: 'platform' },
      label: 'ecosystem platform',
    });
    expect(parseObjectRef('platform/backend')?.key).toEqual({
      ecosystem: 'platform',
      name: 'backend',
    });
  });

  it('names nothing when a part is empty or there are too many', () => {
    expect(parseObjectRef('')).toBeUndefined();
    expect(parseObjectRef('a//c')).toBeUndefined();
    expect(parseObjectRef('a/b/c/d/e')).toBeUndefined();
  });
});
