#!/usr/bin/env bash
# Start a local PostgreSQL server for `dbt ... --target postgres` (see docs/other_warehouses.md).
#
#   eval "$(scripts/start_postgres.sh)"     # start (or reuse) it and export DBT_POSTGRES_*
#   dbt build --target postgres --full-refresh
#
# What it does, each step skipped when already done (a second call takes well under a second):
#   1. installs Debian's `postgresql` package when pg_createcluster is missing (needs root);
#   2. creates a dedicated cluster (default name `revenue_funnel`, Debian's default major
#      version) listening on localhost only, with `trust` authentication on loopback, so the
#      profile's empty default password works; a throwaway dev/CI server, never production;
#   3. starts it on $DBT_POSTGRES_PORT; without it, on the port the cluster already has, else on
#      5432 or the first free port after it (the export lines say which);
#   4. creates the database $DBT_POSTGRES_DBNAME (default revenue_funnel) owned by
#      $DBT_POSTGRES_USER (default postgres), creating that role when it is not postgres.
# Progress goes to stderr; stdout carries only `export DBT_POSTGRES_...=...` lines for eval.
#
# The cluster trades durability for speed (fsync, synchronous_commit and full_page_writes are
# off): a crash can lose it, which is fine for data a test rebuilds. Environment:
#   DBT_POSTGRES_PORT, DBT_POSTGRES_USER, DBT_POSTGRES_DBNAME   as in profiles.yml
#   REVENUE_FUNNEL_PG_CLUSTER   cluster name (default revenue_funnel)
#   REVENUE_FUNNEL_PG_STOP=1    stop the cluster instead of starting it
set -euo pipefail

# Two callers at once (the test workers) would both try to create and start the cluster: one at a time.
if command -v flock >/dev/null 2>&1; then
    exec 9>"${TMPDIR:-/tmp}/revenue_funnel_start_postgres.lock"
    flock 9
fi

REQUESTED_PORT="${DBT_POSTGRES_PORT:-}"
PORT="${REQUESTED_PORT:-5432}"
DB_USER="${DBT_POSTGRES_USER:-postgres}"
DB_NAME="${DBT_POSTGRES_DBNAME:-revenue_funnel}"
CLUSTER="${REVENUE_FUNNEL_PG_CLUSTER:-revenue_funnel}"

log() { echo "start_postgres: $*" >&2; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
die() { log "error: $*"; exit 1; }

as_postgres() {
    if [[ "$(id -un)" == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

psql_admin() {
    as_postgres psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 \
        --host 127.0.0.1 --port "$PORT" --dbname postgres "$@"
}

print_exports() {
    cat <<EOF
export DBT_POSTGRES_HOST=127.0.0.1
export DBT_POSTGRES_PORT=$PORT
export DBT_POSTGRES_USER=$DB_USER
export DBT_POSTGRES_DBNAME=$DB_NAME
EOF
}

# Fast path: the server already answers for this role and database.
if [[ "${REVENUE_FUNNEL_PG_STOP:-0}" != 1 ]] && command -v psql >/dev/null 2>&1 \
    && PGCONNECT_TIMEOUT=2 psql --no-psqlrc --no-password --quiet --host 127.0.0.1 --port "$PORT" \
        --username "$DB_USER" --dbname "$DB_NAME" --command 'select 1' >/dev/null 2>&1; then
    log "already running: postgresql://$DB_USER@127.0.0.1:$PORT/$DB_NAME"
    print_exports
    exit 0
fi

# 1. Server binaries.
if ! command -v pg_createcluster >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] || die "postgresql is not installed and this is not root: apt-get install postgresql"
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
[[ -n "$VERSION" ]] || die "no PostgreSQL server under /usr/lib/postgresql"

cluster_status() {  # prints "<port> <status>" of our cluster, or nothing
    pg_lsclusters --no-header 2>/dev/null | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $3, $4}'
}

if [[ "${REVENUE_FUNNEL_PG_STOP:-0}" == 1 ]]; then
    if [[ "$(cluster_status)" == *online* ]]; then
        pg_ctlcluster "$VERSION" "$CLUSTER" stop
        log "stopped cluster $VERSION/$CLUSTER"
    fi
    exit 0
fi

# 2. Cluster. Without DBT_POSTGRES_PORT, an existing cluster keeps its port and a new one takes
#    5432, or the first free port after it when another server (Debian's `main`) holds 5432.
EXISTING="$(cluster_status)"
if [[ -z "$REQUESTED_PORT" ]]; then
    if [[ -n "$EXISTING" ]]; then
        PORT="${EXISTING%% *}"
    else
        while port_in_use "$PORT"; do
            PORT=$((PORT + 1))
            [[ "$PORT" -le 5499 ]] || die "no free port in 5432-5499"
        done
    fi
fi
if [[ -z "$EXISTING" ]]; then
    log "creating cluster $VERSION/$CLUSTER on port $PORT"
    pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" \
        -o fsync=off -o synchronous_commit=off \
        -o full_page_writes=off -o max_connections=50 -o shared_buffers=256MB \
        -o work_mem=64MB -o maintenance_work_mem=256MB \
        -- --auth-local=peer --auth-host=trust --encoding=UTF8 --locale=C.UTF-8 >&2
fi
read -r CURRENT_PORT STATUS <<<"$(cluster_status)"
if [[ "$CURRENT_PORT" != "$PORT" ]]; then
    log "moving cluster $VERSION/$CLUSTER from port $CURRENT_PORT to $PORT"
    [[ "$STATUS" == online ]] && pg_ctlcluster "$VERSION" "$CLUSTER" stop
    pg_conftool "$VERSION" "$CLUSTER" set port "$PORT"
    STATUS=down
fi

# 3. Server.
if [[ "$STATUS" != online ]]; then
    if port_in_use "$PORT"; then
        die "port $PORT is taken by another server (another cluster? pg_lsclusters); choose a free one: DBT_POSTGRES_PORT=5433 $0"
    fi
    log "starting cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
    # 9>&-: the server must not inherit (and hold forever) the lock of this script
    pg_ctlcluster "$VERSION" "$CLUSTER" start 9>&-
fi
for _ in $(seq 1 50); do
    psql_admin --command 'select 1' >/dev/null 2>&1 && break
    sleep 0.2
done
psql_admin --command 'select 1' >/dev/null || die "the server on port $PORT does not answer"

# 4. Role and database.
quote_literal() { printf "'%s'" "${1//\'/\'\'}"; }
quote_ident() { printf '"%s"' "${1//\"/\"\"}"; }
if [[ "$(psql_admin --command "select count(*) from pg_roles where rolname = $(quote_literal "$DB_USER")")" == 0 ]]; then
    log "creating role $DB_USER"
    psql_admin --command "create role $(quote_ident "$DB_USER") login createdb"
fi
if [[ "$(psql_admin --command "select count(*) from pg_database where datname = $(quote_literal "$DB_NAME")")" == 0 ]]; then
    log "creating database $DB_NAME owned by $DB_USER"
    psql_admin --command "create database $(quote_ident "$DB_NAME") owner $(quote_ident "$DB_USER")"
fi

log "ready: postgresql://$DB_USER@127.0.0.1:$PORT/$DB_NAME"
print_exports
