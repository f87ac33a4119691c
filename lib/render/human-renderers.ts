// The renderers for people: `table` (kubectl-style columns, nothing else), `plain` (tables, and
// details as aligned `Key: value` lines; no colour, `[OK]`-style message tags) and `colored` (plain
// with bold headers and keys, dim `<none>`, and the original's icons ✓ ⚠ ✗ ℹ →). Whether colour is
// allowed (a TTY, no NO_COLOR) is decided by resolveRenderer, never here.

import type { ManifestOutput } from '@/lib/contracts/resource';
import type { Message, MessageLevel, RenderData, Renderer, RendererOptions } from './renderer';
import { resourceDetails, resourceTable } from './resource-views';
import { toYaml } from './structured-renderers';
import { alignColumns, alignPairs, ansi, noStyle, safeLines, type Style } from './text-layout';

const PLAIN_TAGS: Record<MessageLevel, string> = {
  success: '[OK]',
  warning: '[WARN]',
  error: '[ERROR]',
  info: '[INFO]',
  progress: '->',
  debug: '[DEBUG]',
};

const ICONS: Record<MessageLevel, string> = {
  success: ansi.green('✓'),
  warning: ansi.yellow('⚠'),
  error: ansi.red('✗'),
  info: ansi.blue('ℹ'),
  progress: ansi.cyan('→'),
  debug: ansi.dim('·'),
};

interface Look {
  header: Style;
  key: Style;
  none: Style;
  details: boolean;
  tag: (level: MessageLevel) => string;
}

const NO_COLOR_LOOK: Omit<Look, 'details'> = {
  header: noStyle,
  key: noStyle,
  none: noStyle,
  tag: (level) => PLAIN_TAGS[level],
};

const COLOR_LOOK: Omit<Look, 'details'> = {
  header: ansi.bold,
  key: ansi.bold,
  none: ansi.dim,
  tag: (level) => ICONS[level],
};

function indent(text: string, by: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}

function emptyLine(message: string): string {
  return `${message}\n`;
}

function table(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  look: Look,
): string {
  return alignColumns(headers, rows, (text, _column, row) => {
    if (row === -1) return look.header(text);
    return text === '<none>' ? look.none(text) : text;
  });
}

function details(item: ManifestOutput, now: Date, look: Look): string {
  const pairs = resourceDetails(item, now);
  const spec = Object.keys(item.spec).length === 0 ? undefined : toYaml(item.spec);
  const head = alignPairs(spec === undefined ? [...pairs, ['Spec', '<none>']] : pairs, look.key);
  return spec === undefined
    ? head
    : `${head}${look.key('Spec:')}\n${indent(safeLines(spec), '  ')}\n`;
}

function createHumanRenderer(
  name: 'table' | 'plain' | 'colored',
  look: Look,
  options: RendererOptions,
): Renderer {
  const now = () => (options.now ? options.now() : new Date());
  const render = (data: RenderData): string => {
    switch (data.type) {
      case 'table':
        return data.rows.length === 0
          ? emptyLine(data.empty ?? 'Nothing to show.')
          : table(data.headers, data.rows, look);
      case 'keyvalue':
        if (data.pairs.length === 0) return emptyLine(data.empty ?? 'Nothing to show.');
        return look.details
          ? alignPairs(data.pairs, look.key)
          : table(['KEY', 'VALUE'], data.pairs, look);
      case 'resources': {
        const resources = resourceTable(data.items, now(), data.empty);
        return data.items.length === 0
          ? emptyLine(resources.empty!)
          : table(resources.headers, resources.rows, look);
      }
      case 'resource': {
        if (look.details) return details(data.item, now(), look);
        const resources = resourceTable([data.item], now());
        return table(resources.headers, resources.rows, look);
      }
      case 'value':
        return safeLines(toYaml(data.value));
    }
  };
  return {
    name,
    supportsColor: name === 'colored',
    render,
    message: ({ level, text }: Message) =>
      `${look.tag(level)} ${indent(safeLines(text), '  ').trimStart()}\n`,
  };
}

/** kubectl-style columns for everything, details included. */
export function createTableRenderer(options: RendererOptions = {}): Renderer {
  return createHumanRenderer('table', { ...NO_COLOR_LOOK, details: false }, options);
}

/** Tables and `Key: value` details, no colour. */
export function createPlainRenderer(options: RendererOptions = {}): Renderer {
  return createHumanRenderer('plain', { ...NO_COLOR_LOOK, details: true }, options);
}

/** Plain with ANSI colour. Use resolveRenderer, which falls back to plain where colour is unwanted. */
export function createColoredRenderer(options: RendererOptions = {}): Renderer {
  return createHumanRenderer('colored', { ...COLOR_LOOK, details: true }, options);
}
