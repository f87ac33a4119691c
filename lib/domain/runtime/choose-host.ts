// Where a workspace runs the first time it starts (afterwards it stays on its host): the host
// named by the app, else a healthy host that allows the app's path, else — for git sources — a
// healthy host matching the workspace's host selector labels, least loaded first. Pure.
import type { AppSpec } from '@/lib/contracts/app';
import { AppError, invalid } from '@/lib/errors';
import type { HostRecord } from '@/lib/store/host-store';

/** Workspace labels with this prefix select hosts: `host.devopsmaestro.io/gpu: "true"`. */
export const HOST_SELECTOR_PREFIX = 'host.devopsmaestro.io/';

export interface HostCandidate {
  host: HostRecord;
  /** Running workspaces there now. */
  running: number;
}

function allowedRootsOf(host: HostRecord): string[] {
  const roots = host.info?.allowedRoots;
  return Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string') : [];
}

function cpusOf(host: HostRecord): number {
  const capacity = host.info?.capacity;
  const cpus =
    capacity && typeof capacity === 'object' && !Array.isArray(capacity) ? capacity.cpus : 0;
  return typeof cpus === 'number' && cpus > 0 ? cpus : 1;
}

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function selectorOf(workspaceLabels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(workspaceLabels)
      .filter(([key]) => key.startsWith(HOST_SELECTOR_PREFIX))
      .map(([key, value]) => [key.slice(HOST_SELECTOR_PREFIX.length), value]),
  );
}

function unhealthy(host: HostRecord): AppError {
  return new AppError(
    'UNAVAILABLE',
    `Host "${host.name}" is ${host.status}${host.statusReason ? `: ${host.statusReason}` : ''}.`,
  );
}

/** Least running workspaces per CPU, then by name so the choice is stable. */
function leastLoaded(candidates: HostCandidate[]): HostRecord {
  const load = (c: HostCandidate) => c.running / cpusOf(c.host);
  return [...candidates].sort(
    (a, b) => load(a) - load(b) || a.host.name.localeCompare(b.host.name),
  )[0]!.host;
}

export function chooseHost(
  app: { spec: AppSpec },
  workspaceLabels: Record<string, string>,
  candidates: HostCandidate[],
): HostRecord {
  const { path, host: named } = app.spec;
  if (named !== undefined) {
    const found = candidates.find((c) => c.host.name === named)?.host;
    if (!found) {
      throw invalid(`The app's host "${named}" is not registered.`, [
        { path: 'spec.host', message: 'names no registered host (see GET /api/v1/hosts)' },
      ]);
    }
    if (found.status !== 'healthy') throw unhealthy(found);
    return found;
  }

  const healthy = candidates.filter((c) => c.host.status === 'healthy');
  if (path !== undefined) {
    const holding = healthy.filter((c) => allowedRootsOf(c.host).some((root) => under(path, root)));
    if (holding.length === 0) {
      throw invalid(
        `No healthy host allows the app's path ${path}: add its directory to the host's allowed roots (DVM_ALLOWED_PATHS, or dvm-agent --allowed-roots), or set spec.host.`,
        [{ path: 'spec.path', message: 'is under no healthy host’s allowed roots' }],
      );
    }
    return holding.find((c) => c.host.name === 'local')?.host ?? leastLoaded(holding);
  }

  const selector = selectorOf(workspaceLabels);
  const matching = healthy.filter((c) =>
    Object.entries(selector).every(([key, value]) => c.host.labels[key] === value),
  );
  if (matching.length === 0) {
    const wanted = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    throw new AppError(
      'UNAVAILABLE',
      healthy.length === 0
        ? 'No healthy host to run the workspace: add a host (POST /api/v1/hosts) or check GET /api/v1/hosts for why they are unhealthy.'
        : `No healthy host has the labels ${wanted} the workspace asks for.`,
    );
  }
  return leastLoaded(matching);
}
