#!/usr/bin/env bash
# Throwaway PostgreSQL for tests.
#   scripts/postgres.sh start <dir>   initdb + start a private cluster in <dir>; prints its URL on stdout
#   scripts/postgres.sh stop <dir>    stop it and remove <dir>
# The cluster listens on a free port on 127.0.0.1 (socket dir inside <dir>), trusts local
# connections and runs with fsync off: it is fast and disposable, never for real data.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/log.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

readonly DB_NAME=dvm_test
readonly PG_USER=postgres

usage() { die "usage: $0 start|stop <dir>"; }

# Put the PostgreSQL server programs on PATH: Debian keeps them in /usr/lib/postgresql/<v>/bin.
find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    return 0
  fi
  local bin
  for bin in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x $bin/initdb ]]; then
      PATH=$bin:$PATH
      return 0
    fi
  done
  return 1
}

ensure_postgres_installed() {
  find_pg_bin && return 0
  log "initdb not found; installing Debian's postgresql"
  apt_install postgresql
  find_pg_bin || die "postgresql installed but initdb is still missing (looked on PATH and in /usr/lib/postgresql/*/bin)"
}

# initdb refuses to run as root, so as root everything runs as the postgres OS user.
as_pg() {
  if is_root; then
    runuser -u "$PG_USER" -- env PATH="$PATH" "$@"
  else
    "$@"
  fi
}

ensure_pg_user() {
  is_root || return 0
  if ! id -u "$PG_USER" >/dev/null 2>&1; then
    log "creating system user $PG_USER (initdb refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER" ||
      die "could not create the $PG_USER OS user; create it by hand (useradd --system $PG_USER)"
  fi
}

start() {
  local dir=$1 started
  started=$(now)
  ensure_postgres_installed
  ensure_pg_user
  [[ ! -e $dir/data ]] || die "$dir/data already exists; stop the old cluster first: $0 stop $dir"
  make_owned_dir "$dir"
  mkdir -p "$dir/sock"
  if is_root; then
    chown -R "$PG_USER:" "$dir"
    as_pg test -w "$dir" ||
      die "user $PG_USER cannot write $dir; every parent directory must be searchable by it (chmod 755)"
  fi

  local t
  t=$(now)
  as_pg initdb -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions \
    >"$dir/initdb.log" 2>&1 || {
    log_tail "$dir/initdb.log"
    die "initdb failed in $dir/data (log above)"
  }
  log "initdb $dir/data took $(elapsed "$t") ($(initdb --version))"

  # Durability is pointless for a throwaway cluster; turning it off makes migrations and tests fast.
  cat >>"$dir/data/postgresql.conf" <<CONF

# --- dvm test environment ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
CONF

  # The free port may be taken between choosing and binding it: try a few.
  local port attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    t=$(now)
    if as_pg pg_ctl -D "$dir/data" -l "$dir/postgres.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
      log "postgres started on 127.0.0.1:$port in $(elapsed "$t")"
      break
    fi
    if [[ $attempt -eq 3 ]] || ! grep -q 'could not bind' "$dir/postgres.log" 2>/dev/null; then
      log_tail "$dir/postgres.log"
      die "PostgreSQL did not start (log above)"
    fi
    log "port $port was taken; retrying"
  done
  echo "$port" >"$dir/port"

  as_pg createdb -h "$dir/sock" -p "$port" -U postgres "$DB_NAME" ||
    die "createdb $DB_NAME failed; see $dir/postgres.log"
  log "database $DB_NAME ready in $(elapsed "$started")"
  echo "postgres://postgres@127.0.0.1:$port/$DB_NAME"
}

stop() {
  local dir=$1
  [[ -d $dir ]] || return 0
  if [[ -f $dir/data/postmaster.pid ]]; then
    find_pg_bin || true
    if ! as_pg pg_ctl -D "$dir/data" stop -m fast -w -t 30 >/dev/null 2>&1; then
      local pid
      pid=$(head -n1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        log "pg_ctl stop failed; killing postmaster $pid"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
    log "postgres in $dir stopped"
  fi
  remove_owned_dir "$dir"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac
