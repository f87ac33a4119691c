# shellcheck shell=bash
# Shared helpers for the test-environment scripts. Source it; it defines functions only.
# Every message goes to stderr with a [test-env] prefix so stdout stays free for the one value
# each script prints (a URL, a socket, a path).

log() { printf '[test-env] %s\n' "$*" >&2; }

die() {
  printf '[test-env] ERROR: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with millisecond precision, for step timings.
now() { date +%s.%3N; }

# elapsed START -> "1.234s"
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# A TCP port on 127.0.0.1 that nothing listens on right now. The kernel picks it (bind to port 0),
# so two callers in a row get different ports; the caller still retries if it loses a race.
free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); });'
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1], end=""); s.close()'
  else
    die "need node or python3 to find a free TCP port"
  fi
}

# Directories the scripts create carry this marker; cleanup refuses to rm -rf anything without it.
readonly DVM_MARKER=.dvm-test-env

make_owned_dir() {
  local dir=$1
  mkdir -p "$dir" || die "cannot create $dir"
  : >"$dir/$DVM_MARKER"
}

remove_owned_dir() {
  local dir=$1
  [[ -n $dir && $dir != / ]] || die "refusing to remove '$dir'"
  [[ -d $dir ]] || return 0
  [[ -e $dir/$DVM_MARKER ]] || die "refusing to remove $dir: it has no $DVM_MARKER marker, so these scripts did not create it"
  rm -rf -- "$dir"
}

# Print the last lines of a log file to stderr, indented, for failure messages.
log_tail() {
  local file=$1 lines=${2:-30}
  [[ -f $file ]] || return 0
  log "last $lines lines of $file:"
  tail -n "$lines" "$file" | sed 's/^/    /' >&2
}

# apt_install PACKAGE... — install Debian packages as root, running `apt-get update` first when the
# package lists are missing (or when the install fails on stale lists). Services are kept from
# starting during the install: a package's own daemon (the system PostgreSQL cluster, the system
# dockerd) must not run next to the private ones these scripts start.
apt_install() {
  is_root || die "packages missing: $*. Install them (apt-get install -y $*) or run as root so the test environment can install them"
  command -v apt-get >/dev/null 2>&1 || die "packages missing: $* and apt-get is not available; install them by hand"
  local started policy_created=
  started=$(now)
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt_update
  fi
  log "apt-get install -y --no-install-recommends $*"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2; then
    log "install failed; refreshing package lists and retrying"
    apt_update
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 || {
      [[ -n $policy_created ]] && rm -f /usr/sbin/policy-rc.d
      die "apt-get install $* failed (see apt output above); check the Debian mirror is reachable"
    }
  fi
  [[ -n $policy_created ]] && rm -f /usr/sbin/policy-rc.d
  log "installed $* in $(elapsed "$started")"
}

apt_update() {
  local started
  started=$(now)
  log "apt-get update"
  # Unreachable third-party sources only warn; the Debian mirror is what matters.
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || log "apt-get update reported errors; trying anyway"
  log "apt-get update took $(elapsed "$started")"
}

# descendant_pids PID... — every process below the given ones (children, grandchildren, …), read
# from /proc so it works without procps. Collect before killing: orphans get re-parented.
descendant_pids() {
  local stat line
  for stat in /proc/[0-9]*/stat; do
    line=$(cat "$stat" 2>/dev/null) || continue
    line=${line##*) } # drop "pid (comm) ": comm may contain spaces
    read -r _state ppid _ <<<"$line"
    stat=${stat#/proc/}
    printf '%s %s\n' "${stat%/stat}" "$ppid"
  done | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      do {
        grew = 0
        for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; out[p] = 1; grew = 1 }
      } while (grew)
      for (p in out) print p
    }'
}

# kill_tree SIGNAL PID — signal a process and all its descendants.
kill_tree() {
  local signal=$1 root=$2 pids
  pids=$(descendant_pids "$root")
  # shellcheck disable=SC2086
  kill "-$signal" "$root" $pids 2>/dev/null || true
}
