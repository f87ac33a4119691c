import { describe, expect, it } from 'vitest';

import {
  MAX_ANNOTATIONS_BYTES,
  annotationsSchema,
  isDnsLabel,
  isLabelKey,
  isLabelValue,
  labelsSchema,
  nameSchema,
} from './names';

describe('object names', () => {
  it.each(['a', 'api', 'my-api-2', '0', '9lives', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(isDnsLabel(name)).toBe(true);
    expect(nameSchema.safeParse(name).success).toBe(true);
  });

  it.each(['', 'A', 'MyApp', 'my_app', '-app', 'app-', 'my.app', 'my app', 'a'.repeat(64), 'ünï'])(
    'rejects %j',
    (name) => {
      expect(isDnsLabel(name)).toBe(false);
      expect(nameSchema.safeParse(name).success).toBe(false);
    },
  );

  it('gives one message per bad name', () => {
    expect(nameSchema.safeParse('').error?.issues.map((issue) => issue.message)).toEqual([
      'must not be empty',
    ]);
    expect(nameSchema.safeParse('Bad').error?.issues).toHaveLength(1);
  });
});

describe('labels', () => {
  it.each([
    'team',
    'app.kubernetes.io/name',
    'example.com/a_b.c-d',
    'Team',
    'x'.repeat(63),
    `${'a'.repeat(253)}/n`,
  ])('accepts key %j', (key) => {
    expect(isLabelKey(key)).toBe(true);
  });

  it.each([
    '',
    '/name',
    'Example.com/x',
    'a/b/c',
    '-x',
    'x-',
    'x'.repeat(64),
    `${'a'.repeat(254)}/n`,
    'with space',
    'prefix/',
  ])('rejects key %j', (key) => {
    expect(isLabelKey(key)).toBe(false);
  });

  it.each(['', 'v1', 'v1.2_3-rc', 'x'.repeat(63)])('accepts value %j', (value) => {
    expect(isLabelValue(value)).toBe(true);
  });

  it.each(['-v', 'v-', 'a b', 'x'.repeat(64), 'a/b'])('rejects value %j', (value) => {
    expect(isLabelValue(value)).toBe(false);
  });

  it('reads YAML numbers and booleans as strings, as the original did', () => {
    expect(labelsSchema.parse({ tier: 2, canary: true })).toEqual({ tier: '2', canary: 'true' });
  });
});

describe('annotations', () => {
  it('take any text, counting UTF-8 bytes of keys and values toward the limit', () => {
    expect(annotationsSchema.safeParse({ 'any key / with spaces': 'any\nvalue' }).success).toBe(
      true,
    );
    const almost = 'x'.repeat(MAX_ANNOTATIONS_BYTES - 1);
    expect(annotationsSchema.safeParse({ k: almost }).success).toBe(true);
    expect(annotationsSchema.safeParse({ k: `${almost}x` }).success).toBe(false);
    // "é" is two bytes.
    expect(annotationsSchema.safeParse({ k: 'é'.repeat(MAX_ANNOTATIONS_BYTES / 2) }).success).toBe(
      false,
    );
  });
});
