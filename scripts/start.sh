#!/usr/bin/env bash
# What `npm start` runs: build the Next app when the build is missing or older than its sources,
# then run the production server in this process (exec, so signals reach server.ts directly).
# Extra arguments go to server.ts.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[start] %s\n' "$*" >&2; }

# Everything the Next build reads. Tests are not part of the bundle and do not force a rebuild.
SOURCES=(app components lib public next.config.mjs tsconfig.json package.json package-lock.json)

stale_reason() {
  if [[ ! -f .next/BUILD_ID ]]; then
    echo "no build yet (.next/BUILD_ID is missing)"
    return
  fi
  local existing=() path changed
  for path in "${SOURCES[@]}"; do
    [[ -e $path ]] && existing+=("$path")
  done
  ((${#existing[@]})) || return 0
  changed=$(find "${existing[@]}" -type f -newer .next/BUILD_ID \
    ! -name '*.test.ts' ! -name '*.test.tsx' -print -quit)
  if [[ -n $changed ]]; then
    echo "$changed changed since the last build"
  fi
}

# A self-hosted control plane does not report usage to a third party (server.ts does the same).
export NEXT_TELEMETRY_DISABLED=${NEXT_TELEMETRY_DISABLED:-1}

reason=$(stale_reason)
if [[ -n $reason ]]; then
  say "building: $reason"
  ./node_modules/.bin/next build
else
  say "build is up to date (.next/BUILD_ID is newer than the sources)"
fi

export NODE_ENV=production
# The local tsx binary rather than `npx tsx`: no npm process between the signal and the server.
exec ./node_modules/.bin/tsx server.ts "$@"
