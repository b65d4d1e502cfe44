#!/usr/bin/env bash
# Makes sure a PostgreSQL server with PostGIS is reachable and that the database named in $1 exists
# with the postgis extension; prints the database URL on stdout (everything else goes to stderr).
#
# Order: $DATABASE_URL when set; else the local server on 127.0.0.1:5432; else a private cluster in
# var/pgdata started with the system's PostgreSQL binaries. Where PostGIS is missing and we are
# root, Debian's postgresql-<major>-postgis-3 is installed; otherwise the exact command is printed.
set -euo pipefail

requested_db="${1:-}"
here="$(cd "$(dirname "$0")/.." && pwd)"
private_port="${FIELDSALES_PRIVATE_PG_PORT:-54329}"
log() { printf 'ensure_db: %s\n' "$*" >&2; }

pg_bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] || { log "no PostgreSQL binaries found; install them with: apt-get install -y postgresql"; exit 1; }
  printf '%s' "$dir"
}

can_connect() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

start_private_cluster() {
  local bin data owner
  bin="$(pg_bin_dir)"
  data="$here/var/pgdata"
  owner="$(id -un)"
  mkdir -p "$here/var"
  # initdb refuses to run as root: the private cluster then belongs to the postgres system user.
  if [ "$(id -u)" = 0 ]; then
    owner=postgres
    id postgres >/dev/null 2>&1 || useradd --system --home "$data" postgres
  fi
  as_owner() { if [ "$owner" = "$(id -un)" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi; }
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in $data"
    mkdir -p "$data"; chown "$owner" "$data"; chmod 700 "$data"
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting the private cluster on 127.0.0.1:$private_port"
    as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $private_port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  printf 'postgresql://postgres@127.0.0.1:%s' "$private_port"
}

if [ -n "${DATABASE_URL:-}" ]; then
  server_url="${DATABASE_URL%/*}"
  db_name="${DATABASE_URL##*/}"; db_name="${db_name%%\?*}"
  # An explicit name (the test database) is created on the same server as DATABASE_URL.
  db_name="${requested_db:-$db_name}"
  db_url="$server_url/$db_name"
  can_connect "$server_url/postgres" || can_connect "$db_url" || { log "DATABASE_URL is set but not reachable"; exit 1; }
else
  if can_connect "postgresql://postgres@127.0.0.1:5432/postgres"; then
    server_url="postgresql://postgres@127.0.0.1:5432"
  else
    log "no server answers on 127.0.0.1:5432"
    server_url="$(start_private_cluster)"
  fi
  db_name="${requested_db:-fieldsales}"
  db_url="$server_url/$db_name"
fi

has_postgis() { [ "$(psql "$server_url/postgres" -Atqc "select count(*) from pg_available_extensions where name = 'postgis'" 2>/dev/null)" = 1 ]; }

if ! has_postgis; then
  major="$(psql "$server_url/postgres" -Atqc 'show server_version_num' | cut -c1-2)"
  package="postgresql-${major}-postgis-3"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "PostGIS is missing: installing $package"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >&2
  else
    log "PostGIS is missing. Install it with: sudo apt-get install -y $package"
    exit 1
  fi
fi

if [ "$(psql "$server_url/postgres" -Atqc "select count(*) from pg_database where datname = '$db_name'")" != 1 ]; then
  log "creating database $db_name"
  psql "$server_url/postgres" -qc "create database \"$db_name\"" >&2
fi
psql "$db_url" -qc 'create extension if not exists postgis' >&2
printf '%s\n' "$db_url"
