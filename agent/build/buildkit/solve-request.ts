// The Control/Solve request for a Dockerfile build through a session. Pure: the same input gives
// the same request, so it is tested on its own.
import { invalid, type FieldError } from '../../../lib/errors';
import type { SolveRequest } from './protos';

export const MANAGED_LABEL = 'io.devopsmaestro.managed';

export interface SolveInput {
  ref: string;
  sessionId: string;
  tags: readonly string[];
  buildArgs?: Readonly<Record<string, string>>;
  labels?: Readonly<Record<string, string>>;
  target?: string;
  noCache?: boolean;
  /** e.g. `linux/amd64`; the engine's default when absent. */
  platform?: string;
}

/** Refuses what BuildKit would misread: a comma splits the exporter's tag list, `=` a key. */
export function checkSolveInput(input: Omit<SolveInput, 'ref' | 'sessionId'>): void {
  const errors: FieldError[] = [];
  input.tags.forEach((tag, i) => {
    if (!tag || /[\s,]/.test(tag)) {
      errors.push({
        path: `tags[${i}]`,
        message: 'A tag cannot be empty or contain spaces or commas.',
      });
    }
  });
  for (const [field, map] of [
    ['buildArgs', input.buildArgs],
    ['labels', input.labels],
  ] as const) {
    for (const key of Object.keys(map ?? {})) {
      if (!key || /[=\s]/.test(key)) {
        errors.push({
          path: `${field}.${key}`,
          message: 'A key cannot be empty or contain "=" or spaces.',
        });
      }
    }
  }
  if (input.target !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(input.target)) {
    errors.push({
      path: 'target',
      message: 'A build stage name is letters, digits, "_", "." and "-".',
    });
  }
  if (errors.length > 0) throw invalid('The build request is not valid.', errors);
}

export function solveRequest(input: SolveInput): SolveRequest {
  const attrs: Record<string, string> = {
    filename: 'Dockerfile',
    // Engines here run without a bridge network; builds never get a network (reproducible, and
    // nothing a RUN line fetches goes unrecorded).
    'force-network-mode': 'none',
  };
  for (const [key, value] of Object.entries(input.buildArgs ?? {}))
    attrs[`build-arg:${key}`] = value;
  for (const [key, value] of Object.entries(input.labels ?? {})) attrs[`label:${key}`] = value;
  attrs[`label:${MANAGED_LABEL}`] = 'true';
  if (input.target) attrs.target = input.target;
  if (input.noCache) attrs['no-cache'] = '';
  if (input.platform) attrs.platform = input.platform;
  return {
    Ref: input.ref,
    Session: input.sessionId,
    Frontend: 'dockerfile.v0',
    FrontendAttrs: attrs,
    Exporter: 'moby',
    ExporterAttrs: input.tags.length > 0 ? { name: input.tags.join(',') } : {},
  };
}
