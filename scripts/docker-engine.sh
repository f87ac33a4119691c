#!/usr/bin/env bash
# A private Docker engine for tests.
#   scripts/docker-engine.sh start <dir>   start dockerd with all its state in <dir>; prints DOCKER_HOST
#   scripts/docker-engine.sh stop <dir>    stop it, unmount what it left, remove <dir>
# When DOCKER_HOST is already set, `start` only checks that engine answers and prints it back.
# The engine has no bridge and no iptables rules (containers need NetworkMode "none" or "host")
# and never touches /var/lib/docker or /var/run/docker.sock, so it can run next to anything else.
# Keep <dir> short: the unix socket paths under it must stay below ~108 bytes.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

readonly START_TIMEOUT=${DVM_DOCKER_START_TIMEOUT:-60}

usage() { die "usage: $0 start|stop <dir>"; }

# `docker version` against a host, bounded so a dead socket cannot hang the caller.
engine_answers() {
  DOCKER_HOST=$1 timeout 10 docker version --format '{{.Server.Version}}' 2>/dev/null
}

ensure_docker_installed() {
  if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
    return 0
  fi
  log "dockerd not found; installing Debian's docker.io"
  apt_install docker.io
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd is still not on PATH"
}

# overlay2 needs a kernel overlayfs that mounts on the data root's filesystem; vfs always works
# (it copies whole layers, so it is slow and large, but correct).
probe_overlay() {
  local probe=$1/ovl-probe ok=1
  mkdir -p "$probe"/{lower,upper,work,merged}
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    umount "$probe/merged" || ok=0
  else
    ok=0
  fi
  rm -rf "$probe"
  [[ $ok -eq 1 ]]
}

# Unmount everything dockerd and containerd mounted under <dir> (layers, netns, shm), deepest
# first, so the rm -rf that follows cannot reach into a container's rootfs or a busy mount.
unmount_under() {
  local dir=$1 mnt
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || log "could not unmount $mnt"
  done < <(awk -v d="$dir/" 'index($5, d) == 1 { print length($5) "\t" $5 }' /proc/self/mountinfo | sort -rn | cut -f2-)
}

# Processes whose command line names <dir> — the supervised containerd and the runc shims — plus
# their descendants (container processes). Only processes of this engine match.
engine_pids() {
  local dir=$1 pid roots=()
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $pid == "$$" ]] && continue
    if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$dir/"; then
      roots+=("$pid")
    fi
  done
  [[ ${#roots[@]} -gt 0 ]] || return 0
  printf '%s\n' "${roots[@]}"
  descendant_pids "${roots[@]}"
}

launch() {
  local dir=$1 driver=$2
  printf '{}\n' >"$dir/daemon.json"
  # setsid + all fds redirected: the daemon must not hold the caller's stdout (this script is
  # usually run inside $(...)) nor receive the terminal's Ctrl-C before the teardown asks it to stop.
  setsid dockerd \
    --host "unix://$dir/docker.sock" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" \
    --config-file "$dir/daemon.json" \
    --storage-driver "$driver" \
    --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --bridge=none \
    --exec-opt native.cgroupdriver=cgroupfs \
    </dev/null >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/launcher.pid"
}

wait_for_engine() {
  local dir=$1 host=$2 pid deadline version
  pid=$(cat "$dir/launcher.pid")
  deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if version=$(engine_answers "$host"); then
      printf '%s' "$version"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

start() {
  local dir=$1
  if [[ -n ${DOCKER_HOST:-} ]]; then
    command -v docker >/dev/null 2>&1 || die "DOCKER_HOST=$DOCKER_HOST is set but the docker client is missing"
    local version
    version=$(engine_answers "$DOCKER_HOST") ||
      die "DOCKER_HOST=$DOCKER_HOST does not answer 'docker version'; start that engine or unset DOCKER_HOST to get a private one"
    log "reusing the Docker engine at $DOCKER_HOST (version $version)"
    echo "$DOCKER_HOST"
    return 0
  fi

  is_root || die "a private dockerd needs root; run as root or set DOCKER_HOST to an engine you can use"
  ensure_docker_installed
  local sock=$dir/docker.sock
  ((${#sock} < 100)) || die "socket path $sock is too long for a unix socket; use a shorter directory"
  [[ ! -e $dir/docker.pid ]] || die "$dir already runs an engine; stop it first: $0 stop $dir"
  make_owned_dir "$dir"

  local drivers=(vfs)
  if [[ -n ${DVM_DOCKER_STORAGE_DRIVER:-} ]]; then
    drivers=("$DVM_DOCKER_STORAGE_DRIVER")
  elif probe_overlay "$dir"; then
    drivers=(overlay2 vfs)
  else
    log "overlayfs does not mount here; using the vfs storage driver (slower, but works everywhere)"
  fi

  local driver started version
  for driver in "${drivers[@]}"; do
    started=$(now)
    launch "$dir" "$driver"
    if version=$(wait_for_engine "$dir" "unix://$sock"); then
      log "dockerd $version (storage driver $driver) answers on unix://$sock after $(elapsed "$started")"
      echo "unix://$sock"
      return 0
    fi
    if kill -0 "$(cat "$dir/launcher.pid")" 2>/dev/null; then
      log "dockerd with storage driver $driver did not answer within ${START_TIMEOUT}s"
    else
      log "dockerd with storage driver $driver exited during startup"
    fi
    # dockerd logs gRPC chatter at info level; the cause is in the warnings, errors and last line.
    log "dockerd log ($dir/dockerd.log), without info lines:"
    grep -v 'level=info' "$dir/dockerd.log" | tail -n 20 | sed 's/^/    /' >&2 || true
    stop_engine "$dir"
    rm -rf "${dir:?}/data" "${dir:?}/exec"
  done
  stop "$dir"
  die "could not start dockerd (log above). Check that this runs as root on a kernel with cgroups mounted, or set DOCKER_HOST to an existing engine"
}

# Stop the daemon (it stops its containers and its containerd on SIGTERM), then make sure nothing
# of this engine survives and nothing stays mounted.
stop_engine() {
  local dir=$1 pid=
  if [[ -f $dir/docker.pid ]]; then pid=$(cat "$dir/docker.pid" 2>/dev/null || true); fi
  if [[ -z $pid && -f $dir/launcher.pid ]]; then pid=$(cat "$dir/launcher.pid" 2>/dev/null || true); fi
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    # Containers tests left behind are throwaway: kill them now instead of letting dockerd's
    # shutdown give each one its 10 s stop timeout.
    local host=unix://$dir/docker.sock containers
    containers=$(DOCKER_HOST=$host timeout 10 docker ps -aq 2>/dev/null || true)
    if [[ -n $containers ]]; then
      log "removing $(wc -l <<<"$containers") container(s) left in the engine"
      # shellcheck disable=SC2086
      DOCKER_HOST=$host timeout 30 docker rm -f $containers >/dev/null 2>&1 || true
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "dockerd $pid ignored SIGTERM for 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  local leftovers
  leftovers=$(engine_pids "$dir")
  if [[ -n $leftovers ]]; then
    log "killing leftover engine processes: $(echo "$leftovers" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    kill -KILL $leftovers 2>/dev/null || true
    sleep 0.5
  fi
  unmount_under "$dir"
  rm -f "$dir/docker.pid" "$dir/launcher.pid"
}

stop() {
  local dir=$1
  [[ -d $dir ]] || return 0
  [[ -e $dir/$DVM_MARKER ]] || die "$dir was not created by $0 start; not touching it"
  stop_engine "$dir"
  remove_owned_dir "$dir"
  log "docker engine in $dir stopped and removed"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac
