// Turns zod issues into the FieldErrors of an INVALID AppError: one entry per problem, a dotted
// path into the user's input (`spec.mounts[0].destination`) and a message written for a person
// editing YAML, not zod's defaults ("Invalid input: expected string, received undefined").
import type { z } from 'zod';

import type { FieldError } from '@/lib/errors';

type Segment = PropertyKey;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['spec', 'mounts', 0, 'destination']` → `spec.mounts[0].destination`; odd keys are quoted. */
export function formatPath(segments: readonly Segment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment))
      path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(String(segment))}]`;
  }
  return path;
}

/** Prefixes a path with a document or item position: `[2]` + `spec.image` → `[2].spec.image`. */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'an object (mapping)',
  record: 'an object (mapping)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'a boolean (true or false)',
};

/**
 * The per-parse error map: messages for issues the schemas do not word themselves. Messages set on
 * a schema take precedence over this one.
 */
export const manifestErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${describeType(issue.input)}`;
    case 'invalid_value':
      if (issue.input === undefined) return 'required';
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have at least ${issue.minimum} items`;
      if (issue.origin === 'string') return `must be at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case 'invalid_union':
      if (issue.input === undefined) return 'required';
      return `has the wrong type (${describeType(issue.input)})`;
    default:
      return undefined;
  }
};

/**
 * Flattens zod issues into FieldErrors under `prefix`. Unknown keys become one error each at their
 * own path, which is where the user has to look.
 */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[], prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const add = (segments: readonly Segment[], message: string) => {
    const path = joinPath(prefix, formatPath(segments));
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    errors.push({ path, message });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], 'unknown field');
    } else if (issue.code === 'invalid_key') {
      // The key itself is wrong; its own check says why.
      const detail = issue.issues[0]?.message ?? issue.message;
      add(issue.path, detail);
    } else {
      add(issue.path, issue.message);
    }
  }
  return errors;
}

/** A one-line summary for AppError.message; the full list is in `errors`. */
export function summarize(what: string, errors: readonly FieldError[]): string {
  const first = errors[0];
  if (!first) return `${what} is invalid`;
  const where = first.path === '' ? '' : `${first.path}: `;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${what} is invalid: ${where}${first.message}${more}`;
}
