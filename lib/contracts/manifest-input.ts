// Preparing a manifest object for its schema and tidying what comes out: the parts of "check one
// manifest" that are about YAML/JSON quirks rather than about any kind.
import { formatPath } from './field-errors';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `key:` with nothing after it is null in YAML and meant "not set" to the original. Nulls become
 * undefined but the keys stay, so a strict schema still rejects an unknown key that has no value.
 */
export function nullFieldsAsUnset(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullFieldsAsUnset);
  if (!isPlainObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value))
    result[key] = child === null ? undefined : nullFieldsAsUnset(child);
  return result;
}

/**
 * Drops the keys left undefined by nullFieldsAsUnset, so stored specs are plain JSON, and puts keys
 * back in the order the user wrote them (schemas emit theirs), so `get` output diffs cleanly
 * against the applied file.
 */
export function tidyOutput<T>(output: T, input: unknown): T {
  if (Array.isArray(output)) {
    return output.map((item, index) =>
      tidyOutput(item, Array.isArray(input) ? input[index] : undefined),
    ) as T;
  }
  if (!isPlainObject(output)) return output;
  const inputKeys = isPlainObject(input) ? Object.keys(input) : [];
  const keys = [
    ...inputKeys.filter((key) => Object.hasOwn(output, key)),
    ...Object.keys(output).filter((key) => !inputKeys.includes(key)),
  ];
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const child = output[key];
    if (child !== undefined)
      result[key] = tidyOutput(child, isPlainObject(input) ? input[key] : undefined);
  }
  return result as T;
}

/**
 * `__proto__` as a key survives JSON.parse and YAML as an own property, but plain assignment while
 * copying turns it into the object's prototype: the key would vanish past the strict checks. No
 * field is called that, so it is refused outright. Returns the path of the first one found.
 */
export function reservedKeyPath(value: unknown): string | undefined {
  const stack: Array<[unknown, PropertyKey[]]> = [[value, []]];
  while (stack.length > 0) {
    const [current, segments] = stack.pop()!;
    if (Array.isArray(current))
      current.forEach((item, index) => stack.push([item, [...segments, index]]));
    else if (isPlainObject(current)) {
      for (const [key, child] of Object.entries(current)) {
        if (key === '__proto__') return formatPath([...segments, key]);
        stack.push([child, [...segments, key]]);
      }
    }
  }
  return undefined;
}

/** Strings the schemas made from YAML numbers, which may not be what the user wrote (1.20 → "1.2"). */
export function numberCoercionWarnings(
  input: unknown,
  output: unknown,
  segments: PropertyKey[],
  warnings: string[],
): void {
  if (typeof output === 'string' && typeof input === 'number') {
    const path = formatPath(segments);
    const isVersion = segments[segments.length - 1] === 'version';
    if (isVersion || !Number.isSafeInteger(input)) {
      warnings.push(
        `${path} was the YAML number ${input} and is stored as the string "${output}"; ` +
          `quote it (for example "1.20", which YAML reads as 1.2 unquoted) to keep exactly what you wrote`,
      );
    }
    return;
  }
  if (Array.isArray(output) && Array.isArray(input)) {
    output.forEach((item, index) =>
      numberCoercionWarnings(input[index], item, [...segments, index], warnings),
    );
  } else if (isPlainObject(output) && isPlainObject(input)) {
    for (const [key, child] of Object.entries(output))
      numberCoercionWarnings(input[key], child, [...segments, key], warnings);
  }
}
