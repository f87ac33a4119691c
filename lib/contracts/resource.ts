// Manifests in and out: parseManifest checks one manifest object (a REST body, one YAML document),
// parseManifests reads a whole apply input (multi-document YAML, JSON, `kind: List`), toManifest
// renders a stored object in the same form so `get -o yaml` output applies back unchanged.
// Every problem in the input is reported at once, each with its path, in one INVALID AppError.
import { z } from 'zod';

import { invalid, type FieldError } from '@/lib/errors';

import type { AppSpec } from './app';
import type { DomainSpec } from './domain';
import type { EcosystemSpec } from './ecosystem';
import type { JsonObject } from './json';
import { describeType, joinPath, manifestErrorMap, summarize, toFieldErrors } from './field-errors';
import {
  API_VERSION,
  DEPRECATED_KINDS,
  PARENT_RULES,
  RESOURCE_KINDS,
  anyKindEnvelopeSchema,
  manifestSchemas,
  parentsOf,
  type DeprecatedKind,
  type ParentLevel,
  type ResourceKind,
  type ResourceMetadata,
} from './manifest';
import {
  isPlainObject,
  nullFieldsAsUnset,
  numberCoercionWarnings,
  reservedKeyPath,
  tidyOutput,
} from './manifest-input';
import { notYetAppliedPaths, notYetAppliedWarning } from './not-yet-applied';
import {
  MAX_INPUT_BYTES,
  MAX_NESTING_DEPTH,
  TOO_DEEP_MESSAGE,
  TOO_LARGE_MESSAGE,
  exceedsBytes,
  exceedsDepth,
  loadDocuments,
} from './safe-yaml';
import type { WorkspaceSpec } from './workspace';

interface ResourceOf<K extends ResourceKind, S> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ResourceMetadata;
  spec: S;
}

export type EcosystemResource = ResourceOf<'Ecosystem', EcosystemSpec>;
export type DomainResource = ResourceOf<'Domain', DomainSpec>;
export type AppResource = ResourceOf<'App', AppSpec>;
export type WorkspaceResource = ResourceOf<'Workspace', WorkspaceSpec>;
/** A checked manifest, without status. Discriminate on `kind`. */
export type Resource = EcosystemResource | DomainResource | AppResource | WorkspaceResource;

export interface ParseOptions {
  /** Prefix for error and warning paths, e.g. `[2]` for the third document. */
  path?: string;
  /** Require this kind (a deprecated kind that converts to it is accepted too). */
  expectedKind?: ResourceKind;
  /** Warn about spec fields that are stored but not acted on yet. Default true. */
  reportNotApplied?: boolean;
}

export interface ParsedManifest {
  resource: Resource;
  /** Human-readable, each starting with the path it is about. */
  warnings: string[];
  /**
   * Parents the manifest did not name although the kind has them (e.g. an App without
   * `metadata.ecosystem`): the domain layer fills them from the user's active context.
   */
  missingParents: ParentLevel[];
  /** Set when the input was a deprecated kind converted to `resource.kind`. */
  convertedFrom?: DeprecatedKind;
  /** Where the manifest was in the input (`[2]`, `items[0]`), '' for a single manifest. */
  path: string;
}

export interface ParsedManifests {
  items: ParsedManifest[];
  /** All items' warnings, plus warnings about the text itself, in input order. */
  warnings: string[];
}

/** The hierarchy levels, named as the DataStore names them. */
export type ResourceLevel = 'ecosystem' | 'domain' | 'app' | 'workspace';

/** Parent names, as the DataStore takes them (structurally its ParentRef). */
export interface ResourceParents {
  ecosystem?: string;
  domain?: string;
  app?: string;
}

/** The fields of a DataStore StoredObject that toManifest reads; a StoredObject fits. */
export interface StoredResource extends ResourceParents {
  level: ResourceLevel;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
}

/** What the DataStore writes (structurally its ObjectInput). */
export interface ResourceInput {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
}

export const LEVEL_OF_KIND: Record<ResourceKind, ResourceLevel> = {
  Ecosystem: 'ecosystem',
  Domain: 'domain',
  App: 'app',
  Workspace: 'workspace',
};

export const KIND_OF_LEVEL: Record<ResourceLevel, ResourceKind> = {
  ecosystem: 'Ecosystem',
  domain: 'Domain',
  app: 'App',
  workspace: 'Workspace',
};

type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const KNOWN_KINDS: readonly string[] = [...RESOURCE_KINDS, ...DEPRECATED_KINDS];
const KINDS_SENTENCE = `${RESOURCE_KINDS.join(', ')} (Project is accepted and converted to App)`;

function kindProblem(kind: unknown): string | undefined {
  if (typeof kind === 'string' && KNOWN_KINDS.includes(kind)) return undefined;
  if (kind === undefined) return `required: one of ${KINDS_SENTENCE}`;
  if (typeof kind !== 'string') return `must be a string, one of ${KINDS_SENTENCE}`;
  if (kind === 'List')
    return 'a List holds several resources and is only accepted by apply; give a single resource here';
  const sameLetters = KNOWN_KINDS.find((known) => known.toLowerCase() === kind.toLowerCase());
  if (sameLetters) return `unknown kind "${kind}"; did you mean "${sameLetters}"?`;
  return `unknown kind "${kind}"; supported kinds: ${KINDS_SENTENCE}`;
}

interface Envelope {
  kind: ResourceKind | DeprecatedKind;
  metadata: ResourceMetadata;
  spec: Record<string, unknown>;
  status?: unknown;
}

function checkManifest(input: unknown, options: ParseOptions): Checked<ParsedManifest> {
  const prefix = options.path ?? '';
  const at = (path: string) => joinPath(prefix, path);
  const failure = (path: string, message: string): Checked<ParsedManifest> => ({
    ok: false,
    errors: [{ path: at(path), message }],
  });

  if (!isPlainObject(input)) {
    return failure(
      '',
      `must be a manifest (an object with apiVersion, kind, metadata and spec), not ${describeType(input)}`,
    );
  }
  if (exceedsDepth(input, MAX_NESTING_DEPTH)) return failure('', TOO_DEEP_MESSAGE);
  if (exceedsBytes(JSON.stringify(input), MAX_INPUT_BYTES)) return failure('', TOO_LARGE_MESSAGE);
  const reserved = reservedKeyPath(input);
  if (reserved !== undefined) return failure(reserved, 'is a reserved key and cannot be used');

  const manifest = nullFieldsAsUnset(input) as Record<string, unknown>;
  const problem = kindProblem(manifest.kind);
  if (problem !== undefined) {
    const rest = anyKindEnvelopeSchema.safeParse(manifest, { error: manifestErrorMap });
    return {
      ok: false,
      errors: [
        { path: at('kind'), message: problem },
        ...(rest.success ? [] : toFieldErrors(rest.error.issues, prefix)),
      ],
    };
  }
  const inputKind = manifest.kind as ResourceKind | DeprecatedKind;

  const errors: FieldError[] = [];
  const kind: ResourceKind = inputKind === 'Project' ? 'App' : inputKind;
  if (options.expectedKind !== undefined && kind !== options.expectedKind) {
    errors.push({ path: at('kind'), message: `must be ${options.expectedKind} here` });
  }
  // Each kind's schema decides the output shape; Envelope is what they have in common.
  const schema = manifestSchemas[inputKind] as unknown as z.ZodType<Envelope>;
  const result = schema.safeParse(manifest, { error: manifestErrorMap });
  if (!result.success) errors.push(...toFieldErrors(result.error.issues, prefix));
  if (!result.success || errors.length > 0) return { ok: false, errors };
  const parsed = tidyOutput(result.data, manifest);

  const warnings: string[] = [];
  if (inputKind === 'Project') {
    warnings.push(
      `kind Project is deprecated: converted to App "${parsed.metadata.name}"; ` +
        'write kind: App with metadata.domain (and metadata.ecosystem) instead',
    );
  }
  if (parsed.status !== undefined) warnings.push('status is output only and was ignored');
  numberCoercionWarnings(manifest.metadata, parsed.metadata, ['metadata'], warnings);
  numberCoercionWarnings(manifest.spec, parsed.spec, ['spec'], warnings);

  const resource = {
    apiVersion: API_VERSION,
    kind,
    metadata: parsed.metadata,
    spec: parsed.spec,
  } as Resource;
  if (options.reportNotApplied ?? true)
    warnings.push(...notYetAppliedPaths(resource).map(notYetAppliedWarning));

  const missingParents = PARENT_RULES[inputKind].fromContext.filter(
    (level) => parsed.metadata[level] === undefined,
  );
  return {
    ok: true,
    value: {
      resource,
      warnings: warnings.map((warning) => (prefix === '' ? warning : joinPath(prefix, warning))),
      missingParents,
      ...(inputKind === 'Project' ? { convertedFrom: inputKind } : {}),
      path: prefix,
    },
  };
}

/**
 * Checks one manifest object. Throws INVALID listing every problem (paths like `metadata.name`,
 * `spec.mounts[0].destination`); returns the typed resource and warnings otherwise.
 */
export function parseManifest(input: unknown, options: ParseOptions = {}): ParsedManifest {
  const result = checkManifest(input, options);
  if (!result.ok) throw invalid(summarize('the manifest', result.errors), result.errors);
  return result.value;
}

const listSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('List'),
  // Lists have no identity; tools that print `metadata: {}` on lists should still apply.
  metadata: z.looseObject({}).optional(),
  items: z.array(z.unknown()),
});

function checkEntries(
  value: unknown,
  prefix: string,
  nested: boolean,
  out: { items: ParsedManifest[]; errors: FieldError[] },
): void {
  const isList = isPlainObject(value) && value.kind === 'List';
  if (nested && (Array.isArray(value) || isList)) {
    out.errors.push({
      path: joinPath(prefix, isList ? 'kind' : ''),
      message: 'a list of resources cannot contain another list',
    });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkEntries(item, joinPath(prefix, `[${index}]`), true, out));
    return;
  }
  if (isList) {
    const list = listSchema.safeParse(value, { error: manifestErrorMap });
    if (!list.success) {
      out.errors.push(...toFieldErrors(list.error.issues, prefix));
      return;
    }
    list.data.items.forEach((item, index) =>
      checkEntries(item, joinPath(prefix, `items[${index}]`), true, out),
    );
    return;
  }
  const result = checkManifest(value, { path: prefix });
  if (result.ok) out.items.push(result.value);
  else out.errors.push(...result.errors);
}

/** One apply request holds at most this many objects: a bigger one would hold the server for seconds. */
export const MAX_MANIFESTS_PER_INPUT = 5000;

function tooMany(count: string): never {
  const message = `holds ${count} objects; one request applies at most ${MAX_MANIFESTS_PER_INPUT}: split it into several`;
  throw invalid(`The input ${message}.`, [{ path: '', message }]);
}

/**
 * Cheap upper bounds, checked before the YAML parser (whose cost grows with the number of
 * nodes) sees the text: document markers for YAML streams, array elements for JSON.
 */
function refuseTooManyObjects(text: string): void {
  const documentMarkers = text.match(/^---/gm)?.length ?? 0;
  if (documentMarkers > MAX_MANIFESTS_PER_INPUT + 1) tooMany(`${documentMarkers} documents`);
  const start = text.trimStart()[0];
  if (start !== '[' && start !== '{') return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return; // not plain JSON: the YAML reader reports it
  }
  const items = Array.isArray(value)
    ? value
    : isPlainObject(value) && Array.isArray(value.items)
      ? value.items
      : [];
  if (items.length > MAX_MANIFESTS_PER_INPUT) tooMany(String(items.length));
}

/**
 * Reads an apply input: YAML or JSON text with one or more documents, each a manifest, a list of
 * manifests, or a `kind: List` with `items`. Paths are prefixed with the document index when there
 * are several (`[2].spec.image.name`) and with the position inside a list (`items[0].metadata.name`,
 * `[1].items[0]...`). Throws INVALID with every problem of every document.
 */
export function parseManifests(text: string, options: { maxBytes?: number } = {}): ParsedManifests {
  refuseTooManyObjects(text);
  const loaded = loadDocuments(text, options);
  const documents = loaded.documents.filter(
    (document) =>
      document.errors.length > 0 || (document.value !== null && document.value !== undefined),
  );
  if (documents.length === 0) {
    const message = 'no resources found: expected YAML or JSON manifests';
    throw invalid(message, [{ path: '', message }]);
  }
  const several = documents.length > 1;
  const out = { items: [] as ParsedManifest[], errors: [] as FieldError[] };
  const warnings: string[] = [...loaded.warnings];
  for (const document of documents) {
    const prefix = several ? `[${document.index}]` : '';
    warnings.push(
      ...document.warnings.map((warning) => (prefix === '' ? warning : `${prefix} ${warning}`)),
    );
    if (document.errors.length > 0) {
      out.errors.push(...document.errors.map((message) => ({ path: prefix, message })));
      continue;
    }
    const before = out.items.length;
    checkEntries(document.value, prefix, false, out);
    for (const item of out.items.slice(before)) warnings.push(...item.warnings);
  }
  if (out.errors.length > 0) throw invalid(summarize('the input', out.errors), out.errors);
  return { items: out.items, warnings };
}

/** The output form of an object, as `get -o yaml` and the REST API show it. */
export interface ManifestOutput {
  apiVersion: typeof API_VERSION;
  kind: ResourceKind;
  metadata: ResourceMetadata;
  spec: JsonObject;
  status?: JsonObject;
}

/** Renders a stored object as a manifest; parseManifest(toManifest(x)) gives back the same spec. */
export function toManifest(
  kind: ResourceKind,
  stored: StoredResource,
  options: { status?: JsonObject } = {},
): ManifestOutput {
  if (LEVEL_OF_KIND[kind] !== stored.level) {
    throw new Error(`toManifest: a stored ${stored.level} cannot be rendered as kind ${kind}`);
  }
  const parents: ResourceParents = {};
  for (const level of parentsOf(kind)) {
    const parent = stored[level];
    if (parent !== undefined) parents[level] = parent;
  }
  // Parents first, as users write them, then labels and annotations.
  const metadata: ResourceMetadata = {
    name: stored.name,
    ...parents,
    labels: { ...stored.labels },
    annotations: { ...stored.annotations },
  };
  return {
    apiVersion: API_VERSION,
    kind,
    metadata,
    spec: stored.spec,
    ...(options.status !== undefined ? { status: options.status } : {}),
  };
}

/** Several manifests in one document: what export produces and apply accepts. */
export interface ListManifest {
  apiVersion: typeof API_VERSION;
  kind: 'List';
  items: ManifestOutput[];
}

/** Wraps manifests as a `kind: List`, the form export uses and apply accepts. */
export function toList(items: ManifestOutput[]): ListManifest {
  return { apiVersion: API_VERSION, kind: 'List', items };
}

/** The parents a resource names (possibly incomplete: see ParsedManifest.missingParents). */
export function parentRefOf(resource: Resource): ResourceParents {
  const { ecosystem, domain, app } = resource.metadata;
  return {
    ...(ecosystem !== undefined ? { ecosystem } : {}),
    ...(domain !== undefined ? { domain } : {}),
    ...(app !== undefined ? { app } : {}),
  };
}

/** What the DataStore writes for a resource. Specs are plain JSON by construction (parsed from JSON/YAML). */
export function objectInputOf(resource: Resource): ResourceInput {
  return {
    name: resource.metadata.name,
    labels: resource.metadata.labels,
    annotations: resource.metadata.annotations,
    spec: resource.spec as unknown as JsonObject,
  };
}
