// Reading request input for REST routes: JSON bodies with a size limit and a content-type check,
// and query strings as plain objects. Validation of the values is the domain's job (it parses
// with the shared contracts); this file only refuses what is not JSON at all.

import { HttpProblem } from './http-problem';

/** Bodies above this are refused with 413 before they are parsed. Manifests can be large. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

function isJsonType(contentType: string | null): boolean {
  if (!contentType) return false;
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
}

/**
 * The request's JSON body. An empty body reads as `{}`, so a missing body is reported by the
 * domain as missing fields. 415 unless the body is `application/json`; 413 over `maxBytes`
 * (checked on Content-Length and again while reading); 400 for JSON that does not parse.
 */
export async function readJsonBody(
  request: Request,
  { maxBytes = DEFAULT_MAX_BODY_BYTES }: { maxBytes?: number } = {},
): Promise<unknown> {
  const text = await readBodyText(request, maxBytes);
  if (text.trim() === '') return {};
  if (!isJsonType(request.headers.get('content-type'))) {
    throw new HttpProblem(
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the request body as JSON with "Content-Type: application/json".`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the body, which may hold a password: never echo it.
    throw new HttpProblem('INVALID', 'The request body is not valid JSON.');
  }
}

/** 413 for a body over `maxBytes`. */
export function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem(
    'PAYLOAD_TOO_LARGE',
    `The request body is larger than the limit of ${maxBytes} bytes.`,
  );
}

/**
 * The body as UTF-8 text, refused with 413 as soon as it passes `maxBytes` (checked on
 * Content-Length first, then while reading, so a lying or absent Content-Length costs nothing).
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The query string as an object; a repeated parameter keeps its last value. */
export function queryObject(request: Request): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of new URL(request.url).searchParams) result[key] = value;
  return result;
}
