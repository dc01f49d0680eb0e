# Runs the README's walk-through, exactly as written, against a real `parley dev`
# on the test cluster. Sourced by scripts/test, after the unit and integration tests.

# run_walkthrough PG_PORT PARLEY_BINARY [DATABASE]
# With DATABASE, that database exists already (scripts/citus-check prepares one on every
# node); otherwise a database `walkthrough` is created.
run_walkthrough() {
    local pg_port="$1" bin="$2" database="${3:-}" dir api_port server_pid status=0
    dir=$(mktemp -d /tmp/parley-walkthrough.XXXXXX)
    mkdir -p "$dir/.dev"
    if [ -z "$database" ]; then
        database=walkthrough
        pg_super "$pg_port" -d postgres -c "CREATE DATABASE $database OWNER parley_owner" >/dev/null
    fi
    api_port=$(free_port)
    # For the server and for `audit verify` below alike.
    use_throwaway_contact_keys
    (
        export PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$pg_port/$database"
        export PARLEY_MIGRATION_DATABASE_URL="postgres://parley_owner@127.0.0.1:$pg_port/$database"
        export PARLEY_JWT_SECRET="walkthrough-jwt-secret-0123456789abcdef"
        export PARLEY_OPERATOR_TOKEN="walkthrough-operator-token-0123456789"
        export PARLEY_AUDIT_KEY="walkthrough-audit-key-0123456789abcdef"
        export PARLEY_PORT="$api_port" PARLEY_BCRYPT_COST=4 PARLEY_LOG_LEVEL=warning
        export PARLEY_OBJECT_STORE="file://$dir/exports" PARLEY_EXPORT_POLL_MILLISECONDS=200
        "$bin" migrate >/dev/null
        exec "$bin" dev
    ) > "$dir/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 && break
        sleep 0.2
    done
    cat > "$dir/.dev/env" <<ENV
export PARLEY=http://127.0.0.1:$api_port
export OPERATOR_TOKEN=walkthrough-operator-token-0123456789
ENV
    # The shell block between the walkthrough markers, as a reader would paste it.
    awk '/<!-- walkthrough:start -->/{on=1; next} /<!-- walkthrough:end -->/{on=0} on && !/^```/' README.md > "$dir/walkthrough.sh"
    if (cd "$dir" && bash -euo pipefail walkthrough.sh > output.txt 2>&1) \
        && grep -q '"slug":"acme"' "$dir/output.txt" \
        && grep -q '"accepted":2' "$dir/output.txt" \
        && grep -q '我要退款' "$dir/output.txt" \
        && grep -q '"phone":"13812345678"' "$dir/output.txt" \
        && grep -q '"kind":"export.succeeded"' "$dir/output.txt" \
        && grep -q '200 [1-9][0-9]* bytes' "$dir/output.txt" \
        && python3 -c 'import openpyxl, sys; wb = openpyxl.load_workbook(sys.argv[1]); sys.exit(0 if wb["Messages"].max_row == 3 else 1)' "$dir/acme-export.xlsx"; then
        log "README walk-through: passed"
    else
        log "README walk-through: FAILED; its output:"
        cat "$dir/output.txt" >&2
        log "server log:"
        tail -n 30 "$dir/server.log" >&2
        status=1
    fi
    # The walk-through's audit events, sealed by the worker within seconds, verify; then one is
    # edited behind the service's back and `parley audit verify` must say so and exit 1.
    local verified="" tampered
    for _ in $(seq 1 50); do
        verified=$(PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$pg_port/$database" \
            PARLEY_AUDIT_KEY="walkthrough-audit-key-0123456789abcdef" PARLEY_LOG_LEVEL=warning \
            "$bin" audit verify --tenant acme 2>"$dir/verify.log") || true
        case "$verified" in *"acme: intact;"*" 0 not yet sealed"*) break ;; esac
        sleep 0.2
    done
    pg_super "$pg_port" -d "$database" -c "UPDATE audit_events SET details = '{\"forged\": \"yes\"}'
        WHERE chain_position = 2 AND tenant_id = (SELECT id FROM tenants WHERE slug = 'acme')" >/dev/null
    if tampered=$(PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$pg_port/$database" \
            PARLEY_AUDIT_KEY="walkthrough-audit-key-0123456789abcdef" PARLEY_LOG_LEVEL=warning \
            "$bin" audit verify --tenant acme 2>>"$dir/verify.log"); then
        tampered="exit 0: $tampered"
    fi
    if [[ "$verified" == *"acme: intact;"*" 0 not yet sealed"* ]] && [[ "$tampered" == *"position 2: edited"* ]]; then
        log "audit chain after the walk-through: ${verified%%$'\n'*}; after an edit: $(grep -o 'position 2: edited' <<<"$tampered")"
    else
        log "audit chain after the walk-through: FAILED: verify said '$verified'; after an edit: '$tampered'"
        status=1
    fi
    kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true
    rm -rf "$dir"
    return "$status"
}
