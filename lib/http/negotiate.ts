// Content negotiation for the resource API (DESIGN.md §8): which format to answer in, and how to
// read a body that may be JSON or YAML.
//
// Output: `?output=json|yaml|table` wins; otherwise the Accept header, by quality, with ties going
// to the route's own order (JSON first); no Accept (or `*/*`) means JSON. `table` is what a person
// reads in a terminal, served as text/plain by lib/render's table renderer. 406 only when Accept
// names nothing we can produce — problem+json itself is always sent, whatever Accept says.
//
// Input: JSON, or YAML parsed with the contracts' safe loader (bounded aliases, nesting, no
// duplicate keys). Anything else is 415, over the limit 413. The format is decided BEFORE the
// domain is called, so a write is never done and then answered 406.

import { MAX_APPLY_INPUT_BYTES, loadDocuments } from '@/lib/contracts/safe-yaml';
import { invalid } from '@/lib/errors';
import { toYaml } from '@/lib/render/structured-renderers';
import { createRenderer } from '@/lib/render/resolve-renderer';
import type { RenderData } from '@/lib/render/renderer';
import { DEFAULT_MAX_BODY_BYTES, readBodyText } from './body';
import { HttpProblem } from './http-problem';

export const OUTPUT_FORMATS = ['json', 'yaml', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Apply takes whole repositories of manifests in one request. */
export const APPLY_MAX_BODY_BYTES = MAX_APPLY_INPUT_BYTES;

/** The media types each format answers to, the first being the one it is sent as. */
export const OUTPUT_MEDIA_TYPES: Record<OutputFormat, readonly string[]> = {
  json: ['application/json'],
  yaml: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'],
  table: ['text/plain'],
};

const CONTENT_TYPES: Record<OutputFormat, string> = {
  json: 'application/json',
  yaml: 'application/yaml; charset=utf-8',
  table: 'text/plain; charset=utf-8',
};

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** The ranges of an Accept header; malformed ones are skipped, as RFC 9110 allows. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim());
    const essence = range === '*' ? '*/*' : range.toLowerCase();
    const match = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/.exec(essence);
    if (!match || (match[1] === '*' && match[2] !== '*')) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((piece) => piece.trim());
      if (name?.toLowerCase() !== 'q') continue;
      q = value !== undefined && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : -1;
    }
    if (q >= 0) ranges.push({ type: match[1]!, subtype: match[2]!, q });
  }
  return ranges;
}

/** The quality of `mediaType` under `ranges`: the most specific matching range decides. */
function qualityOf(mediaType: string, ranges: readonly MediaRange[]): number {
  const [type, subtype] = mediaType.split('/') as [string, string];
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*'
            ? 0
            : -1;
    if (specificity < 0) continue;
    if (!best || specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}

/**
 * The format to answer in. `explicit` is the already-checked `?output=`; `offered` is what the
 * route can produce, in its order of preference.
 */
export function negotiateOutput(
  request: Request,
  explicit: OutputFormat | undefined,
  offered: readonly OutputFormat[] = OUTPUT_FORMATS,
): OutputFormat {
  if (explicit !== undefined) {
    if (offered.includes(explicit)) return explicit;
    throw invalid(`This route answers in ${offered.join(' or ')}, not ${explicit}.`, [
      { path: 'output', message: `must be one of ${offered.join(', ')}` },
    ]);
  }
  const header = request.headers.get('accept')?.trim();
  if (!header) return offered[0]!;
  const ranges = parseAccept(header);
  let chosen: { format: OutputFormat; q: number } | undefined;
  for (const format of offered) {
    const q = Math.max(...OUTPUT_MEDIA_TYPES[format].map((type) => qualityOf(type, ranges)));
    if (q > 0 && (!chosen || q > chosen.q)) chosen = { format, q };
  }
  if (chosen) return chosen.format;
  const types = offered.map((format) => OUTPUT_MEDIA_TYPES[format][0]).join(', ');
  throw new HttpProblem(
    'NOT_ACCEPTABLE',
    `None of the media types in Accept can be produced here. Ask for one of ${types} ` +
      `(or use ?output=${offered.join('|')}).`,
  );
}

export interface FormattedInit {
  status?: number;
  headers?: HeadersInit;
  /** What the table renderer shows; without it, the body is shown as YAML text. */
  table?: RenderData;
  /** Text after the table (diffs, warnings), separated by a blank line. */
  tableFooter?: string;
}

/** A response in `format`: `body` as JSON or YAML, or `init.table` rendered as text. */
export function formatted(format: OutputFormat, body: unknown, init: FormattedInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', CONTENT_TYPES[format]);
  headers.set('Cache-Control', 'no-store');
  headers.append('Vary', 'Accept');
  let text: string;
  if (format === 'json') text = JSON.stringify(body);
  else if (format === 'yaml') text = toYaml(body);
  else {
    text = createRenderer('table').render(init.table ?? { type: 'value', value: body });
    if (init.tableFooter) text += `\n${init.tableFooter}`;
  }
  return new Response(text, { status: init.status ?? 200, headers });
}

export type BodyFormat = 'json' | 'yaml';

const YAML_TYPES = new Set(OUTPUT_MEDIA_TYPES.yaml);

/** What a Content-Type says the body is: JSON (`application/json`, `…+json`), YAML, or neither. */
export function bodyFormatOf(contentType: string | null): BodyFormat | undefined {
  if (!contentType) return undefined;
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  if (essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence))
    return 'json';
  if (YAML_TYPES.has(essence) || /^application\/[a-z0-9.+-]+\+yaml$/.test(essence)) return 'yaml';
  return undefined;
}

function unsupportedType(): HttpProblem {
  return new HttpProblem(
    'UNSUPPORTED_MEDIA_TYPE',
    'Send the request body as JSON ("Content-Type: application/json") or YAML ("Content-Type: application/yaml").',
  );
}

/**
 * A request body holding one object, as JSON or YAML. An empty body reads as `{}` (the domain then
 * names the missing fields). 415 for other types, 413 over `maxBytes`, 400 for text that does not
 * parse (never echoing it) or for several YAML documents (apply takes those).
 */
export async function readObjectBody(
  request: Request,
  { maxBytes = DEFAULT_MAX_BODY_BYTES }: { maxBytes?: number } = {},
): Promise<unknown> {
  const text = await readBodyText(request, maxBytes);
  if (text.trim() === '') return {};
  const format = bodyFormatOf(request.headers.get('content-type'));
  if (format === undefined) throw unsupportedType();
  if (format === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw invalid('The request body is not valid JSON.', [
        { path: '', message: 'is not valid JSON' },
      ]);
    }
  }
  const loaded = loadDocuments(text);
  const documents = loaded.documents.filter(
    (document) =>
      document.errors.length > 0 || (document.value !== null && document.value !== undefined),
  );
  const errors = documents.flatMap((document) =>
    document.errors.map((message) => ({ path: '', message })),
  );
  if (errors.length > 0) throw invalid('The request body is not valid YAML.', errors);
  if (documents.length > 1) {
    const message = `holds ${documents.length} YAML documents; send one here, or several to POST /api/v1/apply`;
    throw invalid(`The request body ${message}.`, [{ path: '', message }]);
  }
  return documents[0]?.value ?? {};
}

/**
 * The text of an apply body (YAML with any number of documents, or JSON), unparsed: the domain
 * reads it so that error paths carry the document index. 415 for other types, 413 over `maxBytes`.
 */
export async function readManifestText(
  request: Request,
  { maxBytes = APPLY_MAX_BODY_BYTES }: { maxBytes?: number } = {},
): Promise<string> {
  const text = await readBodyText(request, maxBytes);
  if (text.trim() !== '' && bodyFormatOf(request.headers.get('content-type')) === undefined)
    throw unsupportedType();
  return text;
}
