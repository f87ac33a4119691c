// Most of a spec is stored and round-trips, but the product does not act on it yet. Telling the
// user so on every apply avoids the original `dvm`'s worst habit: accepting fields and silently
// ignoring them. As features land, their paths are added to APPLIED_SPEC_PATHS and the warnings go.
import type { ResourceKind } from './manifest';

/**
 * Spec paths the product acts on, per kind. A path covers everything below it
 * (`spec.build` covers `spec.build.args`); listing a deeper path (`spec.image.name`) makes its
 * siblings reported one by one (`spec.image.baseImage`).
 */
export const APPLIED_SPEC_PATHS: Record<ResourceKind, readonly string[]> = {
  // Build args and base image inherited by every build below (lib/build/resolve-settings.ts), and
  // env inherited by every workspace container below (lib/domain/runtime/workspace-lifecycle.ts).
  Ecosystem: ['spec.build', 'spec.env'],
  Domain: ['spec.build', 'spec.env'],
  // Where the source comes from and the env every workspace gets (lib/domain/runtime); what the
  // image is built from (lib/build: language, Dockerfile, target, context, args, base image).
  App: [
    'spec.path',
    'spec.host',
    'spec.git',
    'spec.env',
    'spec.language',
    'spec.build.dockerfile',
    'spec.build.args',
    'spec.build.target',
    'spec.build.context',
    'spec.build.baseImage',
  ],
  // What `start` gives the container (lib/domain/runtime/container-plan.ts) and what the image
  // build uses (lib/build: base image or Dockerfile, packages, args, custom commands; the user).
  Workspace: [
    'spec.image.name',
    'spec.image.buildFrom',
    'spec.image.baseImage',
    'spec.image.packages',
    'spec.build.args',
    'spec.build.devStage.packages',
    'spec.build.devStage.customCommands',
    'spec.env',
    'spec.mounts',
    'spec.container.user',
    'spec.container.uid',
    'spec.container.gid',
    'spec.container.workingDir',
    'spec.container.command',
    'spec.container.resources',
  ],
};

type Json = unknown;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Empty values (`domains: []`, `build: {devStage: {}}`, `type: ""`) carry no setting to warn about. */
function isEmpty(value: Json): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.values(value).every(isEmpty);
  return false;
}

/**
 * Paths under `spec` that are set in this resource but not acted on yet, shallowest first
 * (`spec.shell`, not every field inside it).
 */
export function notYetAppliedPaths(resource: { kind: ResourceKind; spec: object }): string[] {
  const applied = APPLIED_SPEC_PATHS[resource.kind];
  const found: string[] = [];
  const visit = (value: Json, path: string) => {
    if (isEmpty(value) || applied.includes(path)) return;
    const appliedBelow = applied.some((appliedPath) => appliedPath.startsWith(`${path}.`));
    if (appliedBelow && isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
    } else {
      found.push(path);
    }
  };
  for (const [key, value] of Object.entries(resource.spec)) visit(value, `spec.${key}`);
  return found;
}

export function notYetAppliedWarning(path: string): string {
  return `${path} is stored but not applied yet`;
}
