// Reads untrusted YAML or JSON text (apply bodies, uploaded files) into plain values without letting
// it cost more than its size: bounded input, bounded aliases (billion laughs), bounded nesting
// (checked on tokens before the recursive composer runs, so deep input fails fast instead of
// overflowing the stack), and no duplicate keys (where YAML silently keeps one of the two).
import { Lexer, parseAllDocuments } from 'yaml';

import { invalid } from '@/lib/errors';

export const MAX_INPUT_BYTES = 1024 * 1024;
/** An apply request may carry a whole export, so it gets a larger budget than one manifest. */
export const MAX_APPLY_INPUT_BYTES = 4 * 1024 * 1024;
export const MAX_NESTING_DEPTH = 64;
export const MAX_ALIAS_COUNT = 100;

export interface LoadedDocument {
  /** Position of the document in the stream, counting empty ones, so it matches what the user sees. */
  index: number;
  /** Undefined when the document could not be read; `errors` says why. */
  value?: unknown;
  errors: string[];
  warnings: string[];
}

export interface LoadedTextResult {
  documents: LoadedDocument[];
  /** About the text as a whole, with line numbers. */
  warnings: string[];
}

const utf8 = new TextEncoder();

/** UTF-8 size, without encoding text that is clearly small or clearly too large. */
export function exceedsBytes(text: string, limit: number): boolean {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return utf8.encode(text).length > limit;
}

// Lexer tokens that mark structure but are not part of the source text.
const SCALAR_TOKEN = '\u001f';
const CONTROL_TOKENS = new Set(['\u0002', SCALAR_TOKEN, '\u0018']);
const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface SourceToken {
  text: string;
  start: number;
  isScalar: boolean;
}

interface Span {
  start: number;
  end: number;
}

/**
 * The source tokens of `text`, or undefined as soon as the nesting passes `maxDepth`, so hostile
 * input costs no more than its first levels. Depth counts flow brackets, and block indicators
 * stacked on one line (`- - - x`); nesting spread over lines needs indentation that grows with
 * depth, so the input size bounds it and the depth check on the composed value catches it.
 */
function sourceTokens(text: string, maxDepth: number): SourceToken[] | undefined {
  const tokens: SourceToken[] = [];
  let offset = 0;
  let nextIsScalar = false;
  let flowDepth = 0;
  let indicatorsOnLine = 0;
  for (const token of new Lexer().lex(text)) {
    if (CONTROL_TOKENS.has(token)) {
      nextIsScalar = token === SCALAR_TOKEN;
      continue;
    }
    if (!nextIsScalar) {
      if (token === '[' || token === '{') flowDepth += 1;
      else if (token === ']' || token === '}') flowDepth = Math.max(0, flowDepth - 1);
      else if (token === '-' || token === '?') indicatorsOnLine += 1;
      else if (token.startsWith('\n') || token.startsWith('\r')) indicatorsOnLine = 0;
      if (flowDepth > maxDepth || indicatorsOnLine > maxDepth) return undefined;
    }
    tokens.push({ text: token, start: offset, isScalar: nextIsScalar });
    offset += token.length;
    nextIsScalar = false;
  }
  return tokens;
}

/** Length of a `<...$>{NAME}` run starting at tokens[i], or 0 when there is none. */
function placeholderRunLength(tokens: readonly SourceToken[], i: number): number {
  const adjacent = (a: SourceToken | undefined, b: SourceToken | undefined) =>
    a !== undefined && b !== undefined && a.start + a.text.length === b.start;
  let length = 0;
  for (;;) {
    const dollar = tokens[i + length];
    const open = tokens[i + length + 1];
    const name = tokens[i + length + 2];
    const close = tokens[i + length + 3];
    const isPlaceholder =
      dollar?.isScalar === true &&
      dollar.text.endsWith('$') &&
      open?.text === '{' &&
      name?.isScalar === true &&
      PLACEHOLDER_NAME.test(name.text) &&
      close?.text === '}' &&
      adjacent(dollar, open) &&
      adjacent(open, name) &&
      adjacent(name, close);
    if (!isPlaceholder) break;
    length += 4;
    const rest = tokens[i + length];
    // Text glued after the placeholder (`${HOME}/.ssh`) belongs to the same string.
    if (rest?.isScalar === true && adjacent(close, rest) && !rest.text.endsWith('$')) {
      length += 1;
      break;
    }
  }
  return length;
}

/** Unquoted `${NAME}` placeholders inside flow collections (see quoteFlowPlaceholders). */
function flowPlaceholders(tokens: readonly SourceToken[]): Span[] {
  const placeholders: Span[] = [];
  let flowDepth = 0;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    if (token.isScalar) {
      const run = flowDepth > 0 ? placeholderRunLength(tokens, i) : 0;
      if (run > 0) {
        const last = tokens[i + run - 1]!;
        placeholders.push({ start: token.start, end: last.start + last.text.length });
        i += run - 1;
      }
    } else if (token.text === '[' || token.text === '{') flowDepth += 1;
    else if (token.text === ']' || token.text === '}') flowDepth = Math.max(0, flowDepth - 1);
  }
  return placeholders;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/**
 * `{path: ${HOME}/.ssh}` is not valid YAML (a `{` inside a flow collection opens a mapping), but
 * people write it, and the condensed examples of the original's docs do. Unquoted, it can only be
 * a syntax error, so quoting it never changes the meaning of valid YAML; the user is told.
 */
function quoteFlowPlaceholders(
  text: string,
  placeholders: readonly Span[],
  warnings: string[],
): string {
  let result = '';
  let copied = 0;
  for (const { start, end } of placeholders) {
    const value = text.slice(start, end);
    result += text.slice(copied, start) + JSON.stringify(value);
    copied = end;
    warnings.push(
      `line ${lineOf(text, start)}: ${value} inside [...] or {...} is not valid YAML unquoted; ` +
        `read as the string ${JSON.stringify(value)} (quote it to be portable)`,
    );
  }
  return result + text.slice(copied);
}

/** Depth of a composed value; stops as soon as the limit is passed (aliases can form cycles). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return false;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}

export function tooLargeMessage(maxBytes: number): string {
  return `the input is larger than ${maxBytes / 1024 / 1024} MiB; split it into several requests`;
}

export const TOO_LARGE_MESSAGE = tooLargeMessage(MAX_INPUT_BYTES);
export const TOO_DEEP_MESSAGE = `the input is nested more than ${MAX_NESTING_DEPTH} levels deep`;

/**
 * Reads every document of a YAML stream (JSON is YAML). Whole-input problems (size, nesting) throw
 * INVALID; problems inside one document are returned with it so all can be reported together.
 */
export function loadDocuments(
  text: string,
  { maxBytes = MAX_INPUT_BYTES }: { maxBytes?: number } = {},
): LoadedTextResult {
  if (exceedsBytes(text, maxBytes)) {
    const message = tooLargeMessage(maxBytes);
    throw invalid(message, [{ path: '', message }]);
  }
  const tokens = sourceTokens(text, MAX_NESTING_DEPTH);
  if (tokens === undefined)
    throw invalid(TOO_DEEP_MESSAGE, [{ path: '', message: TOO_DEEP_MESSAGE }]);
  const placeholders = flowPlaceholders(tokens);
  const warnings: string[] = [];
  const source =
    placeholders.length > 0 ? quoteFlowPlaceholders(text, placeholders, warnings) : text;

  const stream = parseAllDocuments(source, {
    schema: 'core',
    // YAML 1.1 types (!!binary → Buffer, !!set, timestamps) are not JSON; keep them as plain text.
    resolveKnownTags: false,
    // Go's yaml.v3, which the original `dvm` used, honours `<<` merge keys; manifests use them.
    merge: true,
    uniqueKeys: true,
    stringKeys: true,
    prettyErrors: true,
    logLevel: 'silent',
  });

  const documents = Array.from(stream, (document, index): LoadedDocument => {
    const documentWarnings = document.warnings.map((warning) => firstLine(warning.message));
    if (document.errors.length > 0) {
      const errors = document.errors.map((error) => firstLine(error.message));
      return { index, errors, warnings: documentWarnings };
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message =
        error instanceof ReferenceError && /alias count/i.test(error.message)
          ? `the document expands aliases more than ${MAX_ALIAS_COUNT} times; refusing to expand it`
          : `the document cannot be read: ${error instanceof Error ? firstLine(error.message) : String(error)}`;
      return { index, errors: [message], warnings: documentWarnings };
    }
    if (exceedsDepth(value, MAX_NESTING_DEPTH)) {
      return { index, errors: [TOO_DEEP_MESSAGE], warnings: documentWarnings };
    }
    return { index, value, errors: [], warnings: documentWarnings };
  });
  return { documents, warnings };
}
