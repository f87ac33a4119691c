// The store's own guard on what it writes. The contracts in lib/contracts validate manifests in
// full before they get here; these checks keep the store's invariants (names form the keyset
// order, JSON columns hold objects) even for callers that skip them.
import { type FieldError, invalid } from '../errors';
import type { JsonObject, Level, ObjectInput } from './data-store';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'is required';
  if (name.length > 63) return `must be at most 63 characters (got ${name.length})`;
  if (!DNS_LABEL.test(name)) {
    return "must be a lowercase DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit";
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMapProblems(value: unknown, path: string): FieldError[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [{ path, message: 'must be a map of strings' }];
  return Object.entries(value)
    .filter(([, v]) => typeof v !== 'string')
    .map(([k]) => ({ path: `${path}.${k}`, message: 'must be a string' }));
}

export interface CheckedInput {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
}

export function checkInput(level: Level, input: ObjectInput): CheckedInput {
  const errors: FieldError[] = [];
  const problem = nameProblem(input.name);
  if (problem) errors.push({ path: 'metadata.name', message: problem });
  errors.push(...stringMapProblems(input.labels, 'metadata.labels'));
  errors.push(...stringMapProblems(input.annotations, 'metadata.annotations'));
  if (input.spec !== undefined && !isPlainObject(input.spec)) {
    errors.push({ path: 'spec', message: 'must be an object' });
  }
  if (errors.length > 0) {
    throw invalid(
      `The ${level} is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return {
    name: input.name,
    labels: input.labels ?? {},
    annotations: input.annotations ?? {},
    spec: input.spec ?? {},
  };
}
