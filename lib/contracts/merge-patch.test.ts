import { describe, expect, it } from 'vitest';

import { applyMergePatch } from './merge-patch';

describe('applyMergePatch', () => {
  // RFC 7386, Appendix A.
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j patched with %j is %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('keeps arrays whole, nulls inside them included', () => {
    expect(applyMergePatch({ a: [1, 2, 3] }, { a: [null, 4] })).toEqual({ a: [null, 4] });
  });

  it('leaves both arguments untouched', () => {
    const target = { metadata: { labels: { team: 'a', tier: 'b' } }, spec: { x: [1] } };
    const patch = { metadata: { labels: { team: null } }, spec: { x: [2] } };
    const before = structuredClone({ target, patch });
    const result = applyMergePatch(target, patch);
    expect(result).toEqual({ metadata: { labels: { tier: 'b' } }, spec: { x: [2] } });
    expect({ target, patch }).toEqual(before);
  });

  it('keeps the target’s key order and appends new keys', () => {
    const result = applyMergePatch({ b: 1, a: 2 }, { c: 3, b: 4 });
    expect(Object.keys(result as object)).toEqual(['b', 'a', 'c']);
  });

  it('treats __proto__ as an ordinary key', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const result = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
