// What a dry-run apply shows for each object: a unified diff of its manifest (YAML, without
// status) before and after, in the same YAML form the API and CLI print.

import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { stringify } from 'yaml';

import type { ManifestOutput } from '@/lib/contracts/resource';

/** YAML as the rest of the product writes it: 2-space indent, no folding, no anchors. */
export function manifestYaml(manifest: ManifestOutput): string {
  return stringify(manifest, { indent: 2, lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * `--- name` / `+++ name` and hunks; a new object is diffed against `/dev/null`. Empty when the
 * two render the same.
 */
export function manifestDiff(
  name: string,
  before: ManifestOutput | undefined,
  after: ManifestOutput,
): string {
  const old = before === undefined ? '' : manifestYaml(before);
  const next = manifestYaml(after);
  if (old === next) return '';
  return createTwoFilesPatch(
    before === undefined ? '/dev/null' : name,
    name,
    old,
    next,
    undefined,
    undefined,
    { headerOptions: FILE_HEADERS_ONLY },
  );
}
