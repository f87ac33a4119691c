#!/usr/bin/env bash
# Make sure Debian's Chromium is installed and print its binary path on stdout.
# Playwright's own browser download cannot work here (no internet); the tests pass this binary to
# playwright-core as executablePath (see lib/testing/test-env.ts).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

find_chromium() {
  local candidate
  for candidate in "${DVM_CHROMIUM:-}" /usr/bin/chromium "$(command -v chromium 2>/dev/null || true)"; do
    if [[ -n $candidate && -x $candidate ]]; then
      printf '%s' "$candidate"
      return 0
    fi
  done
  return 1
}

if ! binary=$(find_chromium); then
  log "chromium not found; installing Debian's chromium"
  apt_install chromium
  binary=$(find_chromium) || die "chromium installed but /usr/bin/chromium is missing"
fi

version=$(timeout 30 "$binary" --version 2>/dev/null) ||
  die "$binary does not run ('$binary --version' failed); reinstall it: apt-get install --reinstall chromium"
log "using $version at $binary"
echo "$binary"
