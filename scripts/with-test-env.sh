#!/usr/bin/env bash
# Run a command with the test services up, then tear them down (also on failure and Ctrl-C).
#   scripts/with-test-env.sh <command...>        e.g. bash scripts/with-test-env.sh npx vitest run lib/store
# DVM_TEST_SERVICES picks the services (comma list, default postgres,docker,chromium; empty for
# none). The command sees:
#   DVM_TEST_DATABASE_URL  postgres://postgres@127.0.0.1:<port>/dvm_test   (reused when already set)
#   DOCKER_HOST            unix:///tmp/dvm-XXXXXX/d/docker.sock             (reused when already set)
#   DVM_TEST_BASE_IMAGE    dvm-test/busybox:latest, present in that engine
#   DVM_CHROMIUM           /usr/bin/chromium
#   DVM_TEST_ENV_DIR       the private directory holding the services' state and logs
# Exits with the command's exit code.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
source "$here/lib/log.sh"

[[ $# -gt 0 ]] || die "usage: $0 <command...>"

services=${DVM_TEST_SERVICES-postgres,docker,chromium}
want() { [[ ,$services, == *,$1,* ]]; }
for service in ${services//,/ }; do
  case $service in
    postgres | docker | chromium) ;;
    *) die "unknown service '$service' in DVM_TEST_SERVICES (known: postgres, docker, chromium)" ;;
  esac
done

# Short on purpose: unix sockets (docker.sock, containerd.sock, .s.PGSQL.<port>) live under it.
# 755 so the postgres OS user can reach its data directory inside.
env_dir=$(mktemp -d "${DVM_TEST_ENV_ROOT:-/tmp}/dvm-XXXXXX") || die "cannot create a directory under ${DVM_TEST_ENV_ROOT:-/tmp}"
chmod 755 "$env_dir"
: >"$env_dir/$DVM_MARKER"
export DVM_TEST_ENV_DIR=$env_dir

pg_started='' docker_started='' child=''
teardown() {
  local rc=$? started
  trap - EXIT INT TERM HUP
  started=$(now)
  set +e
  if [[ -n $docker_started ]]; then bash "$here/docker-engine.sh" stop "$env_dir/d"; fi
  if [[ -n $pg_started ]]; then bash "$here/postgres.sh" stop "$env_dir/pg"; fi
  remove_owned_dir "$env_dir"
  log "test environment torn down in $(elapsed "$started")"
  exit "$rc"
}
trap teardown EXIT

on_signal() {
  local signal=$1 code=$2
  if [[ -n $child ]]; then
    log "got SIG$signal; stopping the command (pid $child) and its processes"
    kill_tree TERM "$child"
    interrupted=$code
  else
    log "got SIG$signal during setup; tearing down"
    exit "$code"
  fi
}
interrupted=
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

setup_started=$(now)
log "test environment in $env_dir (services: ${services:-none})"

if want postgres; then
  if [[ -n ${DVM_TEST_DATABASE_URL:-} ]]; then
    log "reusing DVM_TEST_DATABASE_URL=$DVM_TEST_DATABASE_URL"
  else
    pg_started=1
    DVM_TEST_DATABASE_URL=$(bash "$here/postgres.sh" start "$env_dir/pg")
    export DVM_TEST_DATABASE_URL
  fi
fi

if want docker; then
  [[ -n ${DOCKER_HOST:-} ]] || docker_started=1
  DOCKER_HOST=$(bash "$here/docker-engine.sh" start "$env_dir/d")
  export DOCKER_HOST
  export DVM_TEST_BASE_IMAGE=${DVM_TEST_BASE_IMAGE:-dvm-test/busybox:latest}
  bash "$here/base-image.sh"
fi

if want chromium; then
  DVM_CHROMIUM=$(bash "$here/chromium.sh")
  export DVM_CHROMIUM
fi

exported=()
for variable in DVM_TEST_DATABASE_URL DOCKER_HOST DVM_TEST_BASE_IMAGE DVM_CHROMIUM; do
  [[ -z ${!variable:-} ]] || exported+=("$variable=${!variable}")
done
log "test environment ready in $(elapsed "$setup_started"): ${exported[*]:-no services}"

# In the background so a signal reaches our trap at once (a foreground child would have to finish
# first); `<&0` keeps the caller's stdin, which a background job would otherwise lose.
"$@" <&0 &
child=$!
set +e
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
  rc=$?
  if [[ -n $interrupted ]]; then
    for _ in {1..50}; do kill -0 "$child" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$child" 2>/dev/null; then
      log "the command ignored SIGTERM for 10s; killing it"
      kill_tree KILL "$child"
    fi
  fi
done
set -e
[[ -z $interrupted ]] || rc=$interrupted
exit "$rc"
