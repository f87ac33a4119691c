// Deterministic generators of hostile input for the API fuzzer (e2e/api-fuzz.test.ts): a seeded
// PRNG, structural mutations of a manifest (wrong types, missing and unknown fields, hostile
// strings, number edge cases spliced into the JSON text), and whole malformed bodies (YAML alias
// bombs, duplicate keys, deep nesting, invalid UTF-8, truncated JSON). Same seed, same cases.

import { stringify as toYaml } from 'yaml';

/** A small, fast, seedable PRNG (mulberry32). */
export interface Rng {
  /** In [0, 1). */
  next(): number;
  /** An integer in [0, max). */
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  return {
    next,
    int,
    pick: (items) => items[int(items.length)]!,
    chance: (probability) => next() < probability,
  };
}

/** Strings that break naive code: control characters, unpaired surrogates, bidi, huge code points. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'nul\u0000inside',
  '\ud800',
  'lone \udfff low',
  '\udbff\udfff',
  '🚀🔥💥',
  '👩‍👩‍👧‍👦',
  '\u202eevil\u202c',
  'مرحبا',
  'עברית',
  'e\u0301\u0301\u0301',
  '\u200b\u200c\u200d\ufeff',
  '\r\n\r\n',
  '\t',
  '\u001b[31mred\u001b[0m',
  '\u0085\u2028\u2029',
  '../../etc/passwd',
  '${HOME}/../..',
  '%00',
  "'; drop table ecosystems; --",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'UPPER',
  '-leading-dash',
  'a'.repeat(64),
  'a'.repeat(300),
  '9'.repeat(40),
  'true',
  'null',
  '~',
  '0x1F',
  '1e309',
];

/**
 * Number literals that JSON allows (or nearly) and JavaScript reads surprisingly: infinities after
 * rounding, negative zero, precision loss, underflow. Spliced into the JSON text verbatim.
 */
export const NUMBER_LITERALS: readonly string[] = [
  '0',
  '-0',
  '-1',
  '1.5',
  '1e309',
  '-1e309',
  '1e-400',
  '9007199254740993',
  '123456789012345678901234567890',
  '2147483648',
  '4294967296',
  '65536',
  '0.1e1',
  '1E2',
  '-0.0',
  '1.7976931348623157e308',
  '5e-324',
];

export type JsonPath = Array<string | number>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every path into `value` (objects and arrays, the root excluded), depth first. */
export function pathsOf(value: unknown, prefix: JsonPath = []): JsonPath[] {
  const paths: JsonPath[] = [];
  if (Array.isArray(value)) {
    value.forEach((child, index) => {
      paths.push([...prefix, index], ...pathsOf(child, [...prefix, index]));
    });
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      paths.push([...prefix, key], ...pathsOf(child, [...prefix, key]));
    }
  }
  return paths;
}

/** Paths whose value is an object (the root included): where a field can be added. */
export function objectPathsOf(value: unknown): JsonPath[] {
  return [[], ...pathsOf(value)].filter((path) => isObject(getAt(value, path)));
}

export function getAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** A copy of `value` with `path` set to `replacement` (defined, never assigned: `__proto__` stays a key). */
export function setAt(value: unknown, path: JsonPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...JsonPath];
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(isObject(value) ? value : {}) };
  const child = (copy as Record<string | number, unknown>)[head];
  Object.defineProperty(copy, head, {
    value: setAt(child, rest, replacement),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** A copy of `value` without `path` (array items are removed, shifting the rest). */
export function deleteAt(value: unknown, path: JsonPath): unknown {
  if (path.length === 0) return undefined;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1]!;
  const parent = getAt(value, parentPath);
  let replacement: unknown;
  if (Array.isArray(parent)) replacement = parent.filter((_, index) => index !== last);
  else if (isObject(parent)) {
    const { [last as string]: _removed, ...rest } = parent;
    replacement = rest;
  } else return value;
  return setAt(value, parentPath, replacement);
}

/** A value of a different JSON type than `value`. */
function wrongType(rng: Rng, value: unknown): unknown {
  const candidates: unknown[] = [
    'a string',
    42,
    -1,
    3.14,
    true,
    false,
    null,
    [],
    ['x'],
    {},
    { unexpected: 'object' },
    [[[]]],
  ];
  const differs = candidates.filter(
    (candidate) =>
      typeof candidate !== typeof value ||
      Array.isArray(candidate) !== Array.isArray(value) ||
      (candidate === null) !== (value === null),
  );
  return rng.pick(differs);
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { n: value };
  return value;
}

export interface Mutated {
  /** What was done, for failure messages. */
  what: string;
  value: unknown;
  /** Replacements to make in the JSON text: `"<marker>"` → literal (number edge cases). */
  literals: Map<string, string>;
}

let markerCount = 0;

/** One to three random mutations of `manifest`. */
export function mutate(rng: Rng, manifest: unknown): Mutated {
  let value = manifest;
  const literals = new Map<string, string>();
  const done: string[] = [];
  const rounds = 1 + rng.int(3);
  for (let round = 0; round < rounds; round++) {
    const paths = pathsOf(value);
    const path = paths.length > 0 ? rng.pick(paths) : [];
    const where = path.join('.') || '<root>';
    switch (rng.int(9)) {
      case 0:
        value = setAt(value, path, wrongType(rng, getAt(value, path)));
        done.push(`wrong type at ${where}`);
        break;
      case 1:
        value = deleteAt(value, path);
        done.push(`removed ${where}`);
        break;
      case 2: {
        const target = rng.pick(objectPathsOf(value));
        const key = rng.pick([
          'unknownField',
          '__proto__',
          'constructor',
          'status',
          'x'.repeat(200),
          '',
        ]);
        value = setAt(value, [...target, key], rng.pick(['v', 1, null, {}, []]));
        done.push(`added "${key.slice(0, 20)}" at ${target.join('.') || '<root>'}`);
        break;
      }
      case 3:
      case 4: {
        const text = rng.pick(HOSTILE_STRINGS);
        value = setAt(value, path, text);
        done.push(`hostile string ${JSON.stringify(text).slice(0, 30)} at ${where}`);
        break;
      }
      case 5: {
        const marker = `__literal_${++markerCount}__`;
        const literal = rng.pick(NUMBER_LITERALS);
        literals.set(JSON.stringify(marker), literal);
        value = setAt(value, path, marker);
        done.push(`number ${literal} at ${where}`);
        break;
      }
      case 6: {
        const depth = rng.pick([10, 63, 64, 65, 100, 500]);
        value = setAt(value, path, nested(depth, 'deep', rng.chance(0.5)));
        done.push(`nested ${depth} deep at ${where}`);
        break;
      }
      case 7: {
        const size = rng.pick([1000, 70_000, 300_000]);
        value = setAt(value, path, rng.pick(['x', 'é', '🚀']).repeat(size));
        done.push(`string of ${size} characters at ${where}`);
        break;
      }
      default: {
        // A key with a hostile name next to the field.
        const parent = path.slice(0, -1);
        const key = rng.pick(HOSTILE_STRINGS);
        if (isObject(getAt(value, parent))) value = setAt(value, [...parent, key], 'v');
        done.push(
          `hostile key ${JSON.stringify(key).slice(0, 30)} at ${parent.join('.') || '<root>'}`,
        );
      }
    }
  }
  return { what: done.join('; '), value, literals };
}

/** `value` as JSON text, with the number literals of a mutation spliced in. */
export function jsonText(mutated: Pick<Mutated, 'value' | 'literals'>): string {
  let text = JSON.stringify(mutated.value) ?? 'null';
  for (const [marker, literal] of mutated.literals) text = text.split(marker).join(literal);
  return text;
}

/** `value` as YAML text (number literals spliced in as plain scalars). */
export function yamlText(mutated: Pick<Mutated, 'value' | 'literals'>): string {
  let text = toYaml(mutated.value ?? null, { lineWidth: 0 });
  for (const [marker, literal] of mutated.literals) {
    text = text.split(marker.slice(1, -1)).join(literal);
  }
  return text;
}

/** A malformed body: text or bytes, and what it is. */
export interface RawBody {
  what: string;
  body: string | Uint8Array;
  contentType: string;
  /** When the answer is certain: e.g. 400 for text that does not parse. */
  status?: number;
}

const YAML_TYPE = 'application/yaml';
const JSON_TYPE = 'application/json';

/** Billion laughs: `levels` levels of aliases, each `width` times the one below. */
export function aliasBomb(levels: number, width: number): string {
  const lines = ['a0: &a0 "lol"'];
  for (let level = 1; level <= levels; level++) {
    const refs = Array.from({ length: width }, () => `*a${level - 1}`).join(', ');
    lines.push(`a${level}: &a${level} [${refs}]`);
  }
  lines.push(`kind: Workspace`, `apiVersion: devopsmaestro.io/v1`);
  return `${lines.join('\n')}\n`;
}

/**
 * Bodies that are broken as text: every one of them must be refused (or, where noted, may be
 * accepted). `valid` is a valid manifest as JSON for this route, to break in various ways.
 */
export function malformedBodies(rng: Rng, valid: Record<string, unknown>): RawBody[] {
  const json = JSON.stringify(valid);
  const yaml = toYaml(valid);
  const cut = 1 + rng.int(Math.max(1, json.length - 2));
  const bodies: RawBody[] = [
    { what: 'truncated JSON', body: json.slice(0, cut), contentType: JSON_TYPE, status: 400 },
    {
      what: 'JSON with a trailing comma',
      body: `${json.slice(0, -1)},}`,
      contentType: JSON_TYPE,
      status: 400,
    },
    { what: 'JSON with a comment', body: `/* hi */${json}`, contentType: JSON_TYPE, status: 400 },
    {
      what: 'JSON with NaN',
      body: json.replace(/}$/, ',"n":NaN}'),
      contentType: JSON_TYPE,
      status: 400,
    },
    {
      what: 'JSON with single quotes',
      body: json.replace(/"/g, "'"),
      contentType: JSON_TYPE,
      status: 400,
    },
    { what: 'two JSON documents', body: `${json}${json}`, contentType: JSON_TYPE, status: 400 },
    { what: 'JSON with a BOM', body: `\ufeff${json}`, contentType: JSON_TYPE },
    { what: 'JSON null', body: 'null', contentType: JSON_TYPE, status: 400 },
    { what: 'JSON string', body: '"just a string"', contentType: JSON_TYPE, status: 400 },
    { what: 'JSON number', body: '1e309', contentType: JSON_TYPE, status: 400 },
    { what: 'JSON array', body: `[${json}]`, contentType: JSON_TYPE },
    {
      what: 'JSON with a duplicate key',
      body: json.replace(/^\{/, '{"metadata":{"name":"dup-first"},'),
      contentType: JSON_TYPE,
    },
    {
      what: 'JSON with a raw control character in a string',
      body: json.replace(/"metadata":\{/, '"metadata":{"annotations":{"a":"x\u0001y"},'),
      contentType: JSON_TYPE,
      status: 400,
    },
    {
      what: 'JSON with an escaped NUL and lone surrogates in annotations',
      body: json.replace(
        /"metadata":\{/,
        '"metadata":{"annotations":{"nul":"a\\u0000b","hi":"\\ud800","lo":"\\udc00x","k\\u0000":"v"},',
      ),
      contentType: JSON_TYPE,
    },
    {
      what: 'deeply nested JSON arrays',
      body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      contentType: JSON_TYPE,
      status: 400,
    },
    {
      what: 'deeply nested JSON objects in spec',
      body: json.replace(
        /"spec":\{/,
        `"spec":{"deep":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)},`,
      ),
      contentType: JSON_TYPE,
      status: 400,
    },
    {
      what: 'deeply nested flow YAML',
      body: `spec: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'deeply nested block YAML',
      body: `${Array.from({ length: 1200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} x\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'stacked block sequence indicators',
      body: `spec: ${'- '.repeat(10_000)}x\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    { what: 'YAML alias bomb', body: aliasBomb(9, 9), contentType: YAML_TYPE, status: 400 },
    { what: 'small alias bomb', body: aliasBomb(4, 4), contentType: YAML_TYPE, status: 400 },
    {
      what: 'YAML self-referencing merge',
      body: `${yaml}extra: &x\n  <<: *x\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML with a duplicate key',
      body: `${yaml}kind: Ecosystem\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML with tabs for indentation',
      body: yaml.replace(/\n {2}/g, '\n\t'),
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML with an unknown tag',
      body: `!!python/object:os.system ${JSON.stringify('ls')}\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML with a JS function tag',
      body: `${yaml}fn: !!js/function "function(){}"\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML binary tag',
      body: `${yaml}bin: !!binary aGVsbG8=\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML with a complex key',
      body: `? [a, b]\n: c\n${yaml}`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML unterminated quote',
      body: `${yaml}x: "unterminated\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'YAML unterminated flow',
      body: 'kind: [unclosed\n',
      contentType: YAML_TYPE,
      status: 400,
    },
    { what: 'YAML directive only', body: '%YAML 1.2\n---\n', contentType: YAML_TYPE },
    { what: 'YAML with CRLF line ends', body: yaml.replace(/\n/g, '\r\n'), contentType: YAML_TYPE },
    { what: 'YAML with a BOM', body: `\ufeff${yaml}`, contentType: YAML_TYPE },
    { what: 'YAML scalar', body: 'just text\n', contentType: YAML_TYPE, status: 400 },
    { what: 'YAML empty mapping', body: '{}\n', contentType: YAML_TYPE },
    {
      what: 'YAML with a NUL byte',
      body: `${yaml}x: "\u0000"\n`,
      contentType: YAML_TYPE,
      status: 400,
    },
    {
      what: 'invalid UTF-8 in a JSON string',
      body: Buffer.concat([
        Buffer.from(json.replace(/"metadata":\{/, '"metadata":{"annotations":{"a":"')).subarray(
          0,
          json.indexOf('"metadata":{') + '"metadata":{"annotations":{"a":"'.length,
        ),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80]),
        Buffer.from(`"},${json.slice(json.indexOf('"metadata":{') + '"metadata":{'.length)}`),
      ]),
      contentType: JSON_TYPE,
    },
    {
      what: 'invalid UTF-8 bytes only',
      body: new Uint8Array([0xc0, 0xaf, 0xe0, 0x80, 0xaf, 0xfe, 0xff]),
      contentType: JSON_TYPE,
      status: 400,
    },
    {
      what: 'invalid UTF-8 in YAML',
      body: Buffer.concat([
        Buffer.from(yaml),
        Buffer.from('z: "'),
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1]),
        Buffer.from('"\n'),
      ]),
      contentType: YAML_TYPE,
    },
    {
      what: 'UTF-16 JSON',
      body: Buffer.from(`\ufeff${json}`, 'utf16le'),
      contentType: 'application/json; charset=utf-16',
      status: 400,
    },
  ];
  return bodies;
}

/** Content types that are neither JSON nor YAML: a body sent with them must get 415. */
export const UNSUPPORTED_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/jsonx',
  'application/json5',
  'json',
  'application/',
  '*/*',
  'application/vnd.api+xml',
  'image/png',
];
