# A local Citus cluster for scripts/citus-check: coordinator + 2 workers on loopback.
# Sourced after scripts/lib/common.sh. CITUS.md (steering notes) has why each step is so.

CITUS_VERSION=13.2.2
CITUS_BUILD_PACKAGES=(postgresql-server-dev-15 build-essential libkrb5-dev liblz4-dev libzstd-dev libselinux1-dev
                      libxslt1-dev libpam0g-dev libreadline-dev autoconf)

# Our fix to Citus 13.2.2, applied after the vendored header patch: CREATE POLICY on a
# distributed table re-transforms the policy's expressions from the statement's parse tree,
# which PostgreSQL has already transformed in place for IS NULL / IS TRUE tests, so any such
# policy failed with "unrecognized node type: 121" (sql/0011's posting policy among them).
# The fix checks the expressions PostgreSQL stored instead (docs/scaling.md).
CITUS_PARLEY_PATCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/citus-policy-null-test.patch"

# citus_install VENDOR_DIR — builds and installs Citus unless this PostgreSQL has it, built
# with the same patch (a marker beside citus.so holds the patch's checksum).
citus_install() {
    local vendor src patch marker want
    if [ ! -f "$1/citus-$CITUS_VERSION.tar.gz" ]; then
        log "no citus-$CITUS_VERSION.tar.gz in $1: pass the folder that holds it (scripts/citus-check VENDOR_DIR)"
        exit 1
    fi
    vendor=$(cd "$1" && pwd)
    local missing=()
    for pkg in "${CITUS_BUILD_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Citus build dependencies: ${missing[*]} (this upgrades the PostgreSQL server package)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    patch="$CITUS_PARLEY_PATCH"
    marker="$(pg_config --pkglibdir)/citus.parley-patch"
    want=$(sha256sum "$patch" | cut -d' ' -f1)
    if [ -f "$(pg_config --pkglibdir)/citus.so" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ]; then
        log "Citus is installed with Parley's patch ($(pg_config --pkglibdir)/citus.so)"
        return
    fi
    src=$(mktemp -d /tmp/parley-citus-src.XXXXXX)
    log "building Citus $CITUS_VERSION from $vendor (about 70 s)"
    tar xzf "$vendor/citus-$CITUS_VERSION.tar.gz" -C "$src"
    (
        cd "$src"/citus-*
        patch -p1 -s < "$vendor/citus-$CITUS_VERSION-pg15.20.patch"
        patch -p1 -s < "$patch"
        ./configure --without-libcurl >/dev/null
        make -s -j2 >/dev/null 2>&1 || make -j2
        make -s install >/dev/null
    )
    echo "$want" > "$marker"
    rm -rf "$src"
}

# The ports of the three nodes, written by citus_start.
citus_port() { cat "$1/$2.port"; }

# citus_start ROOT — creates and starts coordinator, worker1, worker2 under ROOT.
citus_start() {
    local root="$1" node port bin
    bin=$(pg_bindir)
    for node in coordinator worker1 worker2; do
        port=$(free_port)
        echo "$port" > "$root/$node.port"
        mkdir -p "$root/$node"
        chown -R postgres:postgres "$root"
        as_pg_user "$bin/initdb" -D "$root/$node" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        cat > "$root/$node/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
        chown postgres:postgres "$root/$node/pg_hba.conf"
        as_pg_user "$bin/pg_ctl" -D "$root/$node" -l "$root/$node.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$root/$node -c shared_preload_libraries=citus -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=logical" \
            start >/dev/null
        # Roles on every node directly: made in the `postgres` database they would not
        # reach the workers through Citus, and these have to exist before any database does.
        pg_create_roles "$port"
        # Without it SET LOCAL stays on the coordinator and every distributed table reads
        # as empty for the service (CITUS.md).
        pg_super "$port" -d postgres -c "ALTER ROLE parley_app SET citus.propagate_set_commands = 'local'" >/dev/null
    done
    log "Citus nodes: coordinator $(citus_port "$root" coordinator), workers $(citus_port "$root" worker1), $(citus_port "$root" worker2)"
}

# citus_database ROOT NAME — a database with the citus extension on every node, the
# workers registered on the coordinator. (CREATE DATABASE is not propagated.)
citus_database() {
    local root="$1" name="$2" node port coordinator
    coordinator=$(citus_port "$root" coordinator)
    for node in coordinator worker1 worker2; do
        port=$(citus_port "$root" "$node")
        pg_super "$port" -d postgres -c "CREATE DATABASE $name OWNER parley_owner" >/dev/null
        pg_super "$port" -d "$name" -c "CREATE EXTENSION citus" >/dev/null
    done
    pg_super "$coordinator" -d "$name" >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', $coordinator);
SELECT citus_add_node('127.0.0.1', $(citus_port "$root" worker1));
SELECT citus_add_node('127.0.0.1', $(citus_port "$root" worker2));
-- Every query that reaches more than one shard is logged, so a check can count them.
ALTER DATABASE $name SET citus.multi_task_query_log_level = 'log';
SQL
}

citus_stop() {
    local root="$1" node
    for node in coordinator worker1 worker2; do
        [ -f "$root/$node/postmaster.pid" ] && as_pg_user "$(pg_bindir)/pg_ctl" -D "$root/$node" -m fast -w stop >/dev/null 2>&1 || true
    done
}

# run_walkthrough_on_citus ROOT BIN — README's walk-through against a distributed database.
run_walkthrough_on_citus() {
    local root="$1" bin="$2"
    citus_database "$root" walkthrough
    run_walkthrough "$(citus_port "$root" coordinator)" "$bin" walkthrough
}

# citus_log_mark ROOT — the coordinator log's length in lines, for citus_report_fanout FROM.
citus_log_mark() { wc -l < "$1/coordinator.log"; }

# citus_report_fanout ROOT LABEL [FROM] — queries that ran on more than one shard, from the
# coordinator's log (after line FROM, when given).
citus_report_fanout() {
    local root="$1" label="$2" from="${3:-0}" count
    count=$(tail -n +"$((from + 1))" "$root/coordinator.log" | grep -c "multi-task query about to be executed" || true)
    log "$label: $count queries ran on more than one shard"
    # Statements squeezed to one line and cut, so the ten most frequent stay readable.
    tail -n +"$((from + 1))" "$root/coordinator.log" | grep -A2 "multi-task query about to be executed" \
        | grep -E "STATEMENT:" | sed -E 's/.*STATEMENT: *//; s/[[:space:]]+/ /g' | cut -c1-160 \
        | sort | uniq -c | sort -rn | head -10 >&2 || true
}

# citus_report_errors ROOT [FROM] — the coordinator's distinct errors (after line FROM), most
# frequent first; tests provoke some on purpose (RLS refusals, duplicates, a denied partition).
citus_report_errors() {
    local root="$1" from="${2:-0}"
    log "errors in the coordinator log (some are provoked by the tests):"
    tail -n +"$((from + 1))" "$root/coordinator.log" | grep -E '\] ERROR: ' | sed -E 's/.*\] ERROR: +//; s/_[0-9]{6,}"/_…"/g' \
        | cut -c1-160 | sort | uniq -c | sort -rn | head -12 >&2 || true
}

# citus_run_suites ROOT BIN FILTER... — one database `suites`, distributed and migrated once,
# shared by every test (PARLEY_TEST_SHARED_DATABASE: each test makes tenants of its own, see
# Tests/TestSupport/TestDatabase.swift); `swift test --filter` each FILTER against it (tests
# built already). Prints one result line per suite on stdout; full output in ROOT/FILTER.log.
# One test at a time (PARLEY_CITUS_TEST_ARGS, default --no-parallel; set it empty for parallel
# tests): in one database, a test's batch that creates a monthly partition deadlocks with other
# tests' ingestion (ensure_message_partition against INSERT INTO messages; on plain PostgreSQL
# too), and the fixtures of the tests caught in it fail.
CITUS_SUITE_TIMEOUT=${CITUS_SUITE_TIMEOUT:-900}
PARLEY_CITUS_TEST_ARGS=${PARLEY_CITUS_TEST_ARGS---no-parallel}
citus_run_suites() {
    local root="$1" bin="$2" filter coordinator output status summary
    shift 2
    coordinator=$(citus_port "$root" coordinator)
    citus_database "$root" suites
    if ! PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$coordinator/suites" \
         PARLEY_MIGRATION_DATABASE_URL="postgres://parley_owner@127.0.0.1:$coordinator/suites" \
         timeout 300 "$bin" migrate > "$root/suites-migrate.log" 2>&1; then
        tail -n 20 "$root/suites-migrate.log" >&2
        for filter in "$@"; do echo "$filter: FAILED (the database did not migrate)"; done
        return
    fi
    for filter in "$@"; do
        output="$root/$filter.log"
        log "running $filter on the shared distributed database (at most ${CITUS_SUITE_TIMEOUT}s)"
        status=0
        PARLEY_TEST_DATABASE_PORT="$coordinator" PARLEY_TEST_SHARED_DATABASE=suites \
            timeout --kill-after=30 "$CITUS_SUITE_TIMEOUT" swift test --skip-build --filter "$filter" $PARLEY_CITUS_TEST_ARGS \
            > "$output" 2>&1 || status=$?
        # Swift Testing: `✔ Suite "…" passed after …`, `✘ Suite "…" failed after …`, skipped ones.
        grep -E 'Suite "[^"]+" (passed|failed|skipped)' "$output" \
            | sed -E 's/^[^S]*Suite "([^"]+)" (passed|failed|skipped).*/\1: \2/; s/: failed$/: FAILED/' \
            | sed "s/^/$filter: /" || true
        summary=$(grep -E '^.{0,4}Test run with [0-9]+ tests? ' "$output" | tail -n 1 | sed -E 's/^[^T]*//' || true)
        if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
            echo "$filter: FAILED (timed out after ${CITUS_SUITE_TIMEOUT}s)"
        elif [ "$status" -ne 0 ]; then
            echo "$filter: FAILED (${summary:-exit status $status})"
            # Each failing test's first issue, bounded.
            grep -E 'Test "[^"]+" recorded an issue' "$output" | sed -E 's/^[^T]*//' \
                | awk -F'"' '!seen[$2]++' | cut -c1-300 | head -n 20 >&2 || true
        else
            echo "$filter: passed (${summary:-no summary})"
        fi
    done
}

# citus_check_readiness ROOT BIN DATABASE — /readyz must refuse, with the reason, while the
# service role's SET LOCAL would not reach the workers, and be ready once it does.
citus_check_readiness() {
    local root="$1" bin="$2" database="$3" coordinator api_port pid detail status=0
    coordinator=$(citus_port "$root" coordinator)
    pg_super "$coordinator" -d "$database" -c "ALTER ROLE parley_app RESET citus.propagate_set_commands" >/dev/null
    api_port=$(free_port)
    PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$coordinator/$database" \
        PARLEY_JWT_SECRET="citus-check-jwt-secret-0123456789abcdef" PARLEY_OPERATOR_TOKEN="citus-check-operator-token-0123456789" \
        PARLEY_PORT="$api_port" PARLEY_LOG_LEVEL=error "$bin" serve > "$root/readiness.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$api_port/healthz" && break; sleep 0.2; done
    detail=$(curl -s --max-time 5 "http://127.0.0.1:$api_port/readyz")
    if grep -q "does not reach the Citus workers" <<<"$detail"; then
        log "readiness without propagated settings: 503, '$(python3 -c 'import json,sys; print(json.load(sys.stdin)["detail"])' <<<"$detail")': passed"
    else
        log "readiness without propagated settings: FAILED: $detail"
        status=1
    fi
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    pg_super "$coordinator" -d "$database" -c "ALTER ROLE parley_app SET citus.propagate_set_commands = 'local'" >/dev/null
    return "$status"
}

# citus_search_bench ROOT BIN TENANTS MESSAGES RUNS — the search benchmark's query set
# (`parley bench search`) against a distributed database seeded by `parley seed`, to set
# beside `scripts/bench` on one node with the same settings. The seed runs as the cluster
# superuser: it writes with INSERT … SELECT FROM unnest(…), which Citus runs as COPY and
# refuses under row-level security (CITUS.md); the rows are the same. The searches run as
# the service role, under RLS, as the API does.
citus_search_bench() {
    local root="$1" bin="$2" tenants="$3" messages="$4" runs="$5" port
    port=$(citus_port "$root" coordinator)
    citus_database "$root" searchbench
    local owner="postgres://parley_owner@127.0.0.1:$port/searchbench"
    PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$port/searchbench" PARLEY_MIGRATION_DATABASE_URL="$owner" \
        "$bin" migrate >/dev/null
    log "search benchmark on Citus: seeding $tenants tenants, $messages messages"
    PARLEY_DATABASE_URL="postgres://postgres@127.0.0.1:$port/searchbench" PARLEY_MIGRATION_DATABASE_URL="$owner" \
        PARLEY_BCRYPT_COST=4 PARLEY_LOG_LEVEL=warning "$bin" seed --tenants "$tenants" --messages "$messages" --months 12
    pg_super "$port" -d searchbench -c "VACUUM (ANALYZE) messages, conversations, customers, customer_identities, users, departments"
    log "search benchmark on Citus: $runs runs per query, role and tenant"
    PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$port/searchbench" PARLEY_MIGRATION_DATABASE_URL="$owner" \
        PARLEY_LOG_LEVEL=warning "$bin" bench search --runs "$runs"
}
