// The machine-readable renderers, json (2-space indent) and yaml. Resources come out as manifests
// (one manifest, or a `kind: List` of them) so that output applies back unchanged (DESIGN.md §4);
// tables become lists of objects keyed by the headers in camelCase, key/value pairs one object.
// Messages: one JSON object per line under json; under yaml a comment line, so a stream that
// mixes messages and data is still one valid YAML document.

import { stringify } from 'yaml';
import { toList } from '@/lib/contracts/resource';
import type { Message, RenderData, Renderer } from './renderer';
import { safeCell } from './text-layout';

/** `NAME` → `name`, `LAST SEEN` → `lastSeen`, `Created at` → `createdAt`. */
export function camelKey(header: string): string {
  const words = header
    .trim()
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
  return words.map((word, i) => (i === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('');
}

/** The plain value that json and yaml print for `data`. */
export function structuredValue(data: RenderData): unknown {
  switch (data.type) {
    case 'table': {
      const keys = data.headers.map(camelKey);
      return data.rows.map((row) => Object.fromEntries(keys.map((key, i) => [key, row[i] ?? ''])));
    }
    case 'keyvalue': {
      const result: Record<string, string> = {};
      let previous: string | undefined;
      for (const [key, value] of data.pairs) {
        // An empty key continues the pair above (see alignPairs).
        if (key === '' && previous !== undefined) result[previous] += `\n${value}`;
        else result[(previous = camelKey(key))] = value;
      }
      return result;
    }
    case 'resources':
      return toList([...data.items]);
    case 'resource':
      return data.item;
    case 'value':
      return data.value;
  }
}

/** YAML as every part of the product writes it: 2-space indent, no folding, no anchors. */
export function toYaml(value: unknown): string {
  return stringify(value === undefined ? null : value, {
    indent: 2,
    lineWidth: 0,
    // The same object twice (shared labels) must print twice, not as an anchor and alias.
    aliasDuplicateObjects: false,
  });
}

/** JSON with a 2-space indent and a final newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value === undefined ? null : value, null, 2)}\n`;
}

export const jsonRenderer: Renderer = {
  name: 'json',
  supportsColor: false,
  render: (data) => toJson(structuredValue(data)),
  message: ({ level, text }: Message) => `${JSON.stringify({ level, message: text })}\n`,
};

export const yamlRenderer: Renderer = {
  name: 'yaml',
  supportsColor: false,
  render: (data) => toYaml(structuredValue(data)),
  message: ({ level, text }: Message) =>
    text
      .split('\n')
      .map((line, i) => (i === 0 ? `# ${level}: ` : '#   ') + safeCell(line))
      .join('\n') + '\n',
};
