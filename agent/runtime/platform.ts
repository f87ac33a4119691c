// Which container engine this host has, found from the environment and known socket paths.
// Pure: the caller injects the environment and a file probe, so every platform is testable here.
// Precedence: DVM_PLATFORM (an explicit choice) → DOCKER_HOST → known sockets, in the order of
// PLATFORM_TYPES below. Colima's containerd mode is not a Docker API and is not listed.
import path from 'node:path';
import { AppError, invalid } from '../../lib/errors';

export const PLATFORM_TYPES = [
  'docker-host',
  'docker-desktop',
  'orbstack',
  'colima',
  'podman',
  'podman-rootless',
  'docker-native',
] as const;

export type PlatformType = (typeof PLATFORM_TYPES)[number];

export interface Platform {
  type: PlatformType;
  name: string;
  /** A DOCKER_HOST-style address: `unix:///…` or `tcp://…`. */
  socket: string;
  /** True for the one platform the agent would use. */
  active: boolean;
}

export type Env = Readonly<Record<string, string | undefined>>;
export type FileExists = (file: string) => boolean;

/** Spellings DVM_PLATFORM accepts besides the types themselves (v0.8 took `docker`). */
const ALIASES: Record<string, PlatformType> = {
  docker: 'docker-desktop',
  native: 'docker-native',
  'linux-native': 'docker-native',
  'podman-rootful': 'podman',
};

interface Candidate {
  type: PlatformType;
  name: string;
  sockets: string[];
}

function candidates(env: Env): Candidate[] {
  const home = env.HOME ?? '';
  const profile = env.COLIMA_DOCKER_PROFILE || env.COLIMA_ACTIVE_PROFILE || 'default';
  const inHome = (...parts: string[]) => (home ? [path.join(home, ...parts)] : []);
  return [
    {
      type: 'docker-desktop',
      name: 'Docker Desktop',
      sockets: inHome('.docker', 'run', 'docker.sock'),
    },
    { type: 'orbstack', name: 'OrbStack', sockets: inHome('.orbstack', 'run', 'docker.sock') },
    {
      type: 'colima',
      name: `Colima (profile: ${profile})`,
      sockets: inHome('.colima', profile, 'docker.sock'),
    },
    { type: 'podman', name: 'Podman (rootful)', sockets: ['/run/podman/podman.sock'] },
    {
      type: 'podman-rootless',
      name: 'Podman (rootless)',
      sockets: [
        ...(env.XDG_RUNTIME_DIR ? [path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock')] : []),
        ...inHome('.local', 'share', 'containers', 'podman', 'machine', 'podman.sock'),
      ],
    },
    {
      type: 'docker-native',
      name: 'Docker (native)',
      sockets: ['/var/run/docker.sock', '/run/docker.sock'],
    },
  ];
}

/** The platform type DVM_PLATFORM asks for, or undefined when unset; INVALID when unknown. */
export function requestedPlatform(env: Env): PlatformType | undefined {
  const raw = env.DVM_PLATFORM?.trim().toLowerCase();
  if (!raw || raw === 'auto') return undefined;
  const type = ALIASES[raw] ?? PLATFORM_TYPES.find((t) => t === raw);
  if (!type) {
    throw invalid(`DVM_PLATFORM "${env.DVM_PLATFORM}" is not a known platform.`, [
      { path: 'DVM_PLATFORM', message: `Use auto or one of: ${PLATFORM_TYPES.join(', ')}.` },
    ]);
  }
  return type;
}

/**
 * Every platform found on this host, in precedence order, with at most one `active`: the one
 * DVM_PLATFORM names, else DOCKER_HOST, else the first socket found.
 */
export function detectPlatforms(env: Env, fileExists: FileExists): Platform[] {
  const requested = requestedPlatform(env);
  const found: Omit<Platform, 'active'>[] = [];
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost)
    found.push({ type: 'docker-host', name: `DOCKER_HOST (${dockerHost})`, socket: dockerHost });
  for (const candidate of candidates(env)) {
    const socket = candidate.sockets.find((s) => fileExists(s));
    if (socket)
      found.push({ type: candidate.type, name: candidate.name, socket: `unix://${socket}` });
  }
  const activeIndex = requested ? found.findIndex((p) => p.type === requested) : 0;
  return found.map((p, i) => ({ ...p, active: i === activeIndex }));
}

/** The platform the agent uses; UNAVAILABLE (with what was looked for) when there is none. */
export function activePlatform(env: Env, fileExists: FileExists): Platform {
  const active = detectPlatforms(env, fileExists).find((p) => p.active);
  if (active) return active;
  const requested = requestedPlatform(env);
  const looked = candidates(env)
    .filter((c) => !requested || c.type === requested)
    .flatMap((c) => c.sockets);
  throw new AppError(
    'UNAVAILABLE',
    requested === 'docker-host'
      ? 'DVM_PLATFORM is docker-host but DOCKER_HOST is not set.'
      : `No ${requested ? `${requested} ` : ''}container engine found: set DOCKER_HOST or start ` +
          `one (looked for ${looked.join(', ')}).`,
  );
}
