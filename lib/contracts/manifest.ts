// The manifest envelope shared by every kind: apiVersion, kind, metadata (name, parents by name,
// labels, annotations), spec, and the output-only status. Which parents a kind must name, and which
// may be left to the user's active context, is decided here and nowhere else.
import { z } from 'zod';

import { appSpecSchema } from './app';
import { domainSpecSchema } from './domain';
import { ecosystemSpecSchema } from './ecosystem';
import { absolutePath } from './field-types';
import { annotationsSchema, labelsSchema, nameSchema } from './names';
import { workspaceSpecSchema } from './workspace';

export const API_VERSION = 'devopsmaestro.io/v1';

export const RESOURCE_KINDS = ['Ecosystem', 'Domain', 'App', 'Workspace'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Accepted on input and converted to another kind with a warning. */
export const DEPRECATED_KINDS = ['Project'] as const;
export type DeprecatedKind = (typeof DEPRECATED_KINDS)[number];

export type ParentLevel = 'ecosystem' | 'domain' | 'app';

export interface ParentRules {
  /** Parents the manifest must name. */
  required: readonly ParentLevel[];
  /**
   * Parents the manifest may leave out: the original `dvm` looked them up in the active context,
   * so manifests written for it do not name them. The domain layer fills them in.
   */
  fromContext: readonly ParentLevel[];
}

export const PARENT_RULES: Record<ResourceKind | DeprecatedKind, ParentRules> = {
  Ecosystem: { required: [], fromContext: [] },
  Domain: { required: ['ecosystem'], fromContext: [] },
  App: { required: ['domain'], fromContext: ['ecosystem'] },
  Workspace: { required: ['app'], fromContext: ['ecosystem', 'domain'] },
  // A Project becomes an App; Projects had no parents, so both may come from the context.
  Project: { required: [], fromContext: ['ecosystem', 'domain'] },
};

const PARENT_ORDER: readonly ParentLevel[] = ['ecosystem', 'domain', 'app'];

/** The parents a kind can name at all, top to bottom. */
export function parentsOf(kind: ResourceKind | DeprecatedKind): ParentLevel[] {
  const rules = PARENT_RULES[kind];
  return PARENT_ORDER.filter(
    (level) => rules.required.includes(level) || rules.fromContext.includes(level),
  );
}

const labels = labelsSchema.default({});
const annotations = annotationsSchema.default({});
const optionalParent = nameSchema.optional();

// Spelled out per kind (rather than built from PARENT_RULES) so the key order is the one users
// write (name, parents, labels, annotations); the tests check the two agree. A parent a kind
// cannot have is rejected like any other unknown field.
const metadataSchemas = {
  Ecosystem: z.strictObject({ name: nameSchema, labels, annotations }),
  Domain: z.strictObject({ name: nameSchema, ecosystem: nameSchema, labels, annotations }),
  App: z.strictObject({
    name: nameSchema,
    ecosystem: optionalParent,
    domain: nameSchema,
    labels,
    annotations,
  }),
  Workspace: z.strictObject({
    name: nameSchema,
    ecosystem: optionalParent,
    domain: optionalParent,
    app: nameSchema,
    labels,
    annotations,
  }),
  Project: z.strictObject({
    name: nameSchema,
    ecosystem: optionalParent,
    domain: optionalParent,
    labels,
    annotations,
  }),
};

/** The metadata schema of a kind, for tests and for forms that edit metadata alone. */
export function metadataSchemaOf(kind: ResourceKind | DeprecatedKind) {
  return metadataSchemas[kind];
}

const apiVersionSchema = z.literal(API_VERSION, {
  error: (issue) =>
    issue.input === undefined ? `required: must be "${API_VERSION}"` : `must be "${API_VERSION}"`,
});

/** A spec may be left out (or empty in YAML); it is then `{}`, checked like any other spec. */
function specOf<S extends z.ZodType>(spec: S) {
  return z.preprocess((value) => (value === undefined ? {} : value), spec);
}

function envelope<K extends ResourceKind | DeprecatedKind, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: apiVersionSchema,
    kind: z.literal(kind),
    metadata: metadataSchemas[kind],
    spec: specOf(spec),
    // Output only: `get -o yaml` prints it and users paste that back, so it is accepted and dropped.
    status: z.unknown().optional(),
  });
}

export const projectSpecSchema = z.strictObject({
  path: absolutePath,
  workspaces: z.array(nameSchema).optional(),
});

export const manifestSchemas = {
  Ecosystem: envelope('Ecosystem', ecosystemSpecSchema),
  Domain: envelope('Domain', domainSpecSchema),
  App: envelope('App', appSpecSchema),
  Workspace: envelope('Workspace', workspaceSpecSchema),
  Project: envelope('Project', projectSpecSchema),
} as const;

/** Checks what can be checked when the kind is unknown, so one pass reports every error. */
export const anyKindEnvelopeSchema = z.looseObject({
  apiVersion: apiVersionSchema,
  metadata: z.looseObject({ name: nameSchema }),
});

/** Metadata of a parsed resource; which parents are present depends on the kind. */
export interface ResourceMetadata {
  name: string;
  ecosystem?: string;
  domain?: string;
  app?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
