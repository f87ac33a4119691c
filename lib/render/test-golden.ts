// Golden files for the renderers' tests: the expected output lives in testdata/<name>.golden, where
// a reviewer reads it as a user would see it (ANSI ESC shown as ␛). `UPDATE_GOLDEN=1 npx vitest run
// lib/render` rewrites them; the diff of that rewrite is the review.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

/** The golden text of `name`, after (re)writing it when UPDATE_GOLDEN is set. */
export function golden(name: string, actual: string): { expected: string; actual: string } {
  const file = path.join(DIR, `${name}.golden`);
  const visible = actual.replaceAll('\u001b', '␛');
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1') {
      throw new Error(
        `No golden file ${file}: run with UPDATE_GOLDEN=1 to write it, then review it.`,
      );
    }
    writeFileSync(file, visible);
  }
  return { expected: readFileSync(file, 'utf8'), actual: visible };
}
