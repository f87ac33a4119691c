// The create/edit forms of ecosystems, domains, apps and workspaces, as data: which fields each
// level shows, where each one lives in the manifest, and the translations between form values and
// manifests (a short-form manifest to create, a JSON merge patch to edit) and from the contracts'
// field paths back to form fields. The manifests are checked by the same contracts as the REST
// API's (in the use cases), so the page and the API accept and refuse exactly the same input.
// Pure: shared by the server actions and the pages that fill the forms.

import { SHELL_TYPES } from '@/lib/contracts/workspace';
import type { Level, StoredObject } from '@/lib/store/data-store';

export interface SpecField {
  /** The form field's name. */
  name: string;
  label: string;
  /** Where the value lives under `spec`. */
  path: string[];
  hint?: string;
  /** A fixed choice instead of free text ('' means "not set"). */
  options?: readonly string[];
  /** A list typed as words ("git curl"); `none` is the empty list, '' means "not set". */
  list?: true;
}

const BASE_IMAGE_FOR_BELOW: SpecField = {
  name: 'baseImage',
  label: 'Base image for builds below',
  path: ['build', 'baseImage'],
  hint: 'Used by apps without a Dockerfile and workspaces that name no base image, e.g. debian:bookworm.',
};

export const SPEC_FIELDS: Record<Level, readonly SpecField[]> = {
  ecosystem: [BASE_IMAGE_FOR_BELOW],
  domain: [BASE_IMAGE_FOR_BELOW],
  app: [
    {
      name: 'path',
      label: 'Source path on the host',
      path: ['path'],
      hint: 'Absolute path under the host’s allowed roots. Give this, a git URL, or both.',
    },
    {
      name: 'gitUrl',
      label: 'Git repository URL',
      path: ['git', 'url'],
      hint: 'https://, ssh://, git:// or user@host:path.',
    },
    {
      name: 'gitRef',
      label: 'Git branch, tag or commit',
      path: ['git', 'ref'],
      hint: 'The default branch when empty.',
    },
    {
      name: 'language',
      label: 'Language',
      path: ['language', 'name'],
      hint: 'e.g. go, python, node.',
    },
    { name: 'languageVersion', label: 'Language version', path: ['language', 'version'] },
    {
      name: 'dockerfile',
      label: 'Dockerfile',
      path: ['build', 'dockerfile'],
      hint: 'Relative to the source, e.g. Dockerfile.',
    },
    {
      name: 'baseImage',
      label: 'Base image',
      path: ['build', 'baseImage'],
      hint: 'For an app without a Dockerfile.',
    },
  ],
  workspace: [
    {
      name: 'image',
      label: 'Ready image',
      path: ['image', 'name'],
      hint: 'Start from this image instead of building one.',
    },
    {
      name: 'baseImage',
      label: 'Base image',
      path: ['image', 'baseImage'],
      hint: 'What the workspace image is built on.',
    },
    {
      name: 'buildFrom',
      label: 'App Dockerfile to extend',
      path: ['image', 'buildFrom'],
      hint: 'Relative to the app’s source.',
    },
    {
      name: 'packages',
      label: 'Packages',
      path: ['image', 'packages'],
      hint: 'Installed with the base image’s package manager, separated by spaces. Empty: the defaults (git curl zsh neovim); none: nothing (for bases without a package manager).',
      list: true,
    },
    { name: 'shell', label: 'Shell', path: ['shell', 'type'], options: ['', ...SHELL_TYPES] },
  ],
};

export type FormValues = Record<string, string>;

type Json = null | string | number | boolean | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function text(form: FormValues, name: string): string {
  return (form[name] ?? '').trim();
}

/** A non-empty field's value in the manifest: text, or for a list its words (`none`: []). */
function specValue(field: SpecField, value: string): Json {
  if (!field.list) return value;
  return value === 'none' ? [] : value.split(/[\s,]+/).filter((word) => word !== '');
}

/** `key=value` lines; a line that is not one comes back as a problem to show beside the field. */
export function parseLabels(
  value: string,
): { labels: Record<string, string> } | { problem: string } {
  const labels: Record<string, string> = {};
  const lines = value.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) return { problem: `line ${i + 1} is not key=value` };
    labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { labels };
}

function setAt(target: JsonObject, path: string[], value: Json): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as JsonObject;
  }
  node[path.at(-1)!] = value;
}

function getAt(source: unknown, path: string[]): unknown {
  let node = source;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The short-form manifest (`{ metadata, spec }`) a create form describes. */
export function manifestToCreate(level: Level, form: FormValues, labels: Record<string, string>) {
  const spec: JsonObject = {};
  for (const field of SPEC_FIELDS[level]) {
    const value = text(form, field.name);
    if (value !== '') setAt(spec, field.path, specValue(field, value));
  }
  const description = text(form, 'description');
  return {
    metadata: {
      name: text(form, 'name'),
      labels,
      ...(description !== '' && { annotations: { description } }),
    },
    spec,
  };
}

/**
 * The merge patch an edit form describes against the stored object: what the form shows is set,
 * what it empties is removed, and everything it does not show (other labels' neighbours in the
 * spec, such as build args written in YAML) is left alone. A group the form empties entirely goes
 * when nothing else is in it, so no empty `git: {}` is left to fail the contract.
 */
export function patchToUpdate(
  level: Level,
  form: FormValues,
  labels: Record<string, string>,
  current: StoredObject,
) {
  const labelPatch: JsonObject = Object.fromEntries(
    Object.keys(current.labels).map((key) => [key, null]),
  );
  Object.assign(labelPatch, labels);
  const description = text(form, 'description');
  const spec: JsonObject = {};
  const groups = new Map<string, SpecField[]>();
  for (const field of SPEC_FIELDS[level]) {
    const group = field.path.length > 1 ? field.path[0]! : '';
    groups.set(group, [...(groups.get(group) ?? []), field]);
  }
  for (const [group, fields] of groups) {
    const stored = group === '' ? undefined : getAt(current.spec, [group]);
    const storedKeys =
      stored && typeof stored === 'object' ? Object.keys(stored as object) : ([] as string[]);
    const shown = new Set(fields.map((f) => f.path[1]!));
    const allEmpty = fields.every((f) => text(form, f.name) === '');
    if (group !== '' && allEmpty && storedKeys.every((key) => shown.has(key))) {
      if (stored !== undefined) spec[group] = null;
      continue;
    }
    for (const field of fields) {
      const value = text(form, field.name);
      setAt(spec, field.path, value === '' ? null : specValue(field, value));
    }
  }
  return {
    metadata: {
      labels: labelPatch,
      annotations: { description: description === '' ? null : description },
    },
    spec,
  };
}

/** What an edit form starts with: the stored object's values, as strings. */
export function formValuesOf(object: StoredObject): FormValues {
  const values: FormValues = {
    description: object.annotations.description ?? '',
    labels: Object.entries(object.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
  };
  for (const field of SPEC_FIELDS[object.level]) {
    const value = getAt(object.spec, field.path);
    if (field.list && Array.isArray(value)) {
      values[field.name] = value.length === 0 ? 'none' : value.join(' ');
      continue;
    }
    values[field.name] =
      typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  }
  return values;
}

/** The form field a contract error's path belongs to (`spec.git.url` → gitUrl), if any. */
export function fieldOfPath(level: Level, path: string): string | undefined {
  if (path === 'metadata.name') return 'name';
  if (path.startsWith('metadata.labels')) return 'labels';
  if (path.startsWith('metadata.annotations')) return 'description';
  for (const field of SPEC_FIELDS[level]) {
    const full = `spec.${field.path.join('.')}`;
    if (path === full || path.startsWith(`${full}.`)) return field.name;
  }
  // A whole group refused (`spec.git`): its first field.
  const group = SPEC_FIELDS[level].find((f) => path === `spec.${f.path[0]}`);
  return group?.name;
}
