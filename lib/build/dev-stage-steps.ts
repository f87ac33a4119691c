// The shell steps of the generated dev stage: installing packages with the base image's own
// package manager and creating the dev user. Each is one RUN (no heredocs: the BuildKit embedded
// in Docker 20.10 does not have them), written for POSIX sh and the busybox applets, so the same
// text works on Debian, Alpine and busybox bases. Nothing here contains the Dockerfile escape
// character except the line continuations, so an app Dockerfile's `# escape=\`` is honoured.

import type { PackageManager } from './base-images';

/** One RUN instruction from shell fragments, one per physical line, continued with `escape`. */
export function run(fragments: string[], escape: string): string {
  return `RUN ${fragments.join(` ${escape}\n    `)}`;
}

/**
 * Installs `packages` with `manager`. `required` is false for the default packages: a base that
 * turns out (at build time) to have no package manager then skips them with a message instead of
 * failing, since the user never asked for them. Empty `packages`: no step.
 */
export function packageStep(
  manager: Exclude<PackageManager, 'none'>,
  packages: readonly string[],
  options: { required: boolean; escape: string },
): string | undefined {
  if (packages.length === 0) return undefined;
  const list = packages.join(' ');
  switch (manager) {
    case 'apt':
      return run(aptInstall(list), options.escape);
    case 'apk':
      return run([`apk add --no-cache ${list}`], options.escape);
    case 'detect': {
      const missing = options.required
        ? `echo 'dvm: the base image has no package manager (apk, apt-get, dnf, microdnf, yum); cannot install: ${list}' >&2; exit 1;`
        : `echo 'dvm: the base image has no package manager (apk, apt-get, dnf, microdnf, yum); skipping the default packages: ${list}';`;
      return run(
        [
          'if command -v apk >/dev/null 2>&1; then',
          `  apk add --no-cache ${list};`,
          'elif command -v apt-get >/dev/null 2>&1; then',
          ...aptInstall(list).map((line, i, all) => `  ${line}${i === all.length - 1 ? ';' : ''}`),
          'elif command -v dnf >/dev/null 2>&1; then',
          `  dnf install -y ${list} && dnf clean all;`,
          'elif command -v microdnf >/dev/null 2>&1; then',
          `  microdnf install -y ${list} && microdnf clean all;`,
          'elif command -v yum >/dev/null 2>&1; then',
          `  yum install -y ${list} && yum clean all;`,
          'else',
          `  ${missing}`,
          'fi',
        ],
        options.escape,
      );
    }
  }
}

function aptInstall(list: string): string[] {
  // DEBIAN_FRONTEND for this command only: an ENV would stay in the image for the user's shells.
  return [
    'apt-get update',
    `&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${list}`,
    '&& rm -rf /var/lib/apt/lists/*',
  ];
}

export interface DevUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Creates the dev user and its Neovim config directory. Kept as is when a user of that name
 * exists; when the uid exists under another name (node images ship `node` as 1000), the name is
 * added for the same uid, so `docker run --user dev` and `~dev` work. Otherwise created with
 * useradd (Debian, Ubuntu, Fedora), else busybox adduser (Alpine, busybox), else by appending to
 * /etc/passwd and /etc/group. Files are checked with cut/grep, which every one of those has
 * (getent and id are not in every busybox). The login shell is zsh when the image has it.
 */
export function userStep(user: DevUser, escape: string): string {
  const { name, uid, gid } = user;
  const home = `/home/${name}`;
  return run(
    [
      'set -e;',
      `if cut -d: -f1 /etc/passwd 2>/dev/null | grep -qxF ${name}; then`,
      `  echo 'dvm: the user ${name} exists; using it';`,
      `elif cut -d: -f3 /etc/passwd 2>/dev/null | grep -qxF ${uid}; then`,
      `  echo 'dvm: uid ${uid} exists; adding the name ${name} for it';`,
      `  echo '${name}:x:${uid}:${gid}::${home}:/bin/sh' >> /etc/passwd;`,
      'else',
      '  shell=/bin/sh; if [ -x /bin/zsh ]; then shell=/bin/zsh; fi;',
      `  group=$(cut -d: -f1,3 /etc/group 2>/dev/null | grep ':${gid}$' | head -n 1 | cut -d: -f1);`,
      '  if command -v useradd >/dev/null 2>&1; then',
      `    if [ -z "$group" ]; then groupadd -g ${gid} ${name}; fi;`,
      `    useradd -l -m -d ${home} -u ${uid} -g ${gid} -s "$shell" ${name};`,
      '  elif command -v adduser >/dev/null 2>&1; then',
      `    if [ -z "$group" ]; then addgroup -g ${gid} ${name}; group=${name}; fi;`,
      `    adduser -D -h ${home} -u ${uid} -G "$group" -s "$shell" ${name};`,
      '  else',
      `    if [ -z "$group" ]; then echo '${name}:x:${gid}:' >> /etc/group; fi;`,
      `    echo "${name}:x:${uid}:${gid}::${home}:$shell" >> /etc/passwd;`,
      '  fi;',
      'fi;',
      `mkdir -p ${home}/.config/nvim;`,
      `chown -R ${uid}:${gid} ${home}`,
    ],
    escape,
  );
}

/** The container's main process: sleeps until stopped, and exits at once on SIGTERM. */
export const KEEP_ALIVE_CMD =
  'CMD ["/bin/sh","-c","trap \'exit 0\' TERM INT; while :; do sleep 3600 & wait $!; done"]';
