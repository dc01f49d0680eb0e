# Trials of the export pipeline with real processes: `parley serve` and `parley worker` on
# their own throwaway cluster, a file:// object store in a temporary folder, and signals a
# real deployment sends (kill -9 of a worker mid-job, SIGTERM on a rollout), a cancellation
# while a job runs, and two workers sharing a queue. Sourced by scripts/test after the server
# trials; needs scripts/lib/common.sh (pg_start, pg_stop, pg_create_roles, pg_super,
# free_port, log). On 127.0.0.1 only.
#
#   1 (kill -9 mid-job)  a worker is killed while it renders; the next worker takes the job
#                        over once the lease runs out: succeeded with attempts 2, one file in
#                        the store and no partial one, one notification, a complete workbook.
#   2 (SIGTERM drain)    a worker told to stop finishes the job in hand (attempts 1), claims
#                        no other, and exits 0 within PARLEY_SHUTDOWN_TIMEOUT_SECONDS. The
#                        bound is set well above the job's length (60 s for a job of a few
#                        seconds): this tests the drain, not the cut-off past the bound.
#   3 (cancellation)     DELETE on a running job stops its worker within two lease renewals;
#                        no file is left, and the same worker goes on to run the next job.
#   4 (two workers)      six exports created at once on two workers: each runs exactly once.
#
# About a minute with the debug build on two cores (90 s while other builds compete).

EXPORT_TRIALS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Messages of the long export: with the debug build an XLSX of 30,000 takes 5 – 9 s on two
# cores (20,000: 4 – 6 s), long enough to signal a worker well inside it. Written by
# `parley seed` (bulk inserts, about 7 s): through POST /v1/ingest/messages a batch of 1,000
# takes about 4 s with the debug build, so 30,000 would take two minutes. The operator sets
# the plan's row cap (default 20,000) to match.
EXPORT_TRIAL_MESSAGES=30000
EXPORT_TRIAL_LEASE=4             # the smallest lease allowed; renewed every second
EXPORT_TRIAL_POLL_MS=200         # how often an idle worker looks for due jobs
EXPORT_TRIAL_DRAIN_TIMEOUT=60    # PARLEY_SHUTDOWN_TIMEOUT_SECONDS in trial 2
EXPORT_TRIAL_SLACK=1.5           # allowed lateness of a takeover or a cancellation, in seconds
EXPORT_TRIAL_EXIT_SLACK=5        # allowed lateness of an exit after the shutdown bound

# run_export_trials PARLEY_BINARY — exits non-zero naming every check that failed.
# The body is a subshell, so its traps, functions and `set` options never touch the caller's.
run_export_trials() (
    set +e -u -o pipefail   # every step's outcome is checked here, to report them all
    local bin="$1" pgdata dir store scratch pg_port api_port server_pid="" worker_pid="" worker_pids=() failures=()
    pgdata=$(mktemp -d /tmp/parley-export-trials-pg.XXXXXX)
    dir=$(mktemp -d /tmp/parley-export-trials.XXXXXX)
    store="$dir/store"       # PARLEY_OBJECT_STORE of the server and every worker
    scratch="$dir/scratch"   # the workers' TMPDIR, where files are rendered before upload
    mkdir -p "$store" "$scratch"
    cleanup() {
        local pid
        for pid in "${worker_pids[@]}" $server_pid; do
            if kill -0 "$pid" 2>/dev/null; then
                kill -9 "$pid" 2>/dev/null
                { wait "$pid"; } 2>/dev/null
            fi
        done
        jobs -p | xargs -r kill 2>/dev/null
        pg_stop "$pgdata"
        rm -rf "$pgdata" "$dir"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    # What every process reads; each runs in a subshell that exports these first.
    trial_env() {
        export PARLEY_DATABASE_URL="postgres://parley_app@127.0.0.1:$pg_port/exports"
        export PARLEY_MIGRATION_DATABASE_URL="postgres://parley_owner@127.0.0.1:$pg_port/exports"
        export PARLEY_SQL_DIR="$EXPORT_TRIALS_ROOT/sql"
        export PARLEY_JWT_SECRET="export-trials-jwt-secret-0123456789abcdef"
        export PARLEY_OPERATOR_TOKEN="export-trials-operator-token-0123456789ab"
        export PARLEY_AUDIT_KEY="export-trials-audit-key-0123456789abcdef"
        use_throwaway_contact_keys
        export PARLEY_HOST=127.0.0.1 PARLEY_PORT="$api_port" PARLEY_BCRYPT_COST=4 PARLEY_LOG_LEVEL=info
        export PARLEY_OBJECT_STORE="file://$store" TMPDIR="$scratch"
        export PARLEY_EXPORT_LEASE_SECONDS=$EXPORT_TRIAL_LEASE PARLEY_EXPORT_POLL_MILLISECONDS=$EXPORT_TRIAL_POLL_MS
    }
    # start_worker NAME [VAR=VALUE …] — a `parley worker` logging to $dir/NAME.log; sets worker_pid.
    start_worker() {
        local name="$1"; shift
        ( trial_env; [ $# -gt 0 ] && export "$@"; exec "$bin" worker ) > "$dir/$name.log" 2>&1 &
        worker_pid=$!
        worker_pids+=("$worker_pid")
    }
    # reap PID — waits for a worker that was signalled and forgets it (cleanup signals no other
    # process that may get the number later); returns its exit status.
    reap() {
        local status pid kept=()
        { wait "$1"; } 2>/dev/null; status=$?   # (no "Killed" job notice)
        for pid in "${worker_pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
        worker_pids=("${kept[@]}")
        return $status
    }
    # stop_worker PID — an idle worker: SIGTERM, SIGKILL if it is still there after 10 s.
    stop_worker() {
        kill -TERM "$1" 2>/dev/null
        local waited=0
        while kill -0 "$1" 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
        kill -9 "$1" 2>/dev/null
        reap "$1"
    }
    verdict() {   # verdict CHECK-NAME yes|no TEXT
        if [ "$2" = yes ]; then
            log "export trial $3: passed"
        else
            log "export trial $3: FAILED"
            failures+=("$1")
        fi
    }
    since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
    api() {   # api METHOD PATH [BODY] — the admin's call; prints the body
        local body=()
        [ $# -gt 2 ] && body=(-H 'Content-Type: application/json' -d "$3")
        curl -s --max-time 30 -X "$1" "http://127.0.0.1:$api_port$2" -H "Authorization: Bearer $token" "${body[@]}"
    }
    client() { TRIAL_API="http://127.0.0.1:$api_port" TRIAL_TOKEN="$token" python3 "$dir/client.py" "$@"; }
    # store_files ID — the store's files for one job, partial ones included, relative to the store.
    store_files() { (cd "$store" && find . -type f -name "*$1*" | sed 's|^\./||' | sort); }
    count_lines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l | tr -d ' '; fi; }

    # --- The cluster, the server, the data --------------------------------------------------
    pg_port=$(free_port)
    api_port=$(free_port)
    pg_start "$pgdata" "$pg_port" || exit 1
    pg_create_roles "$pg_port" || exit 1
    pg_super "$pg_port" -d postgres -c "CREATE DATABASE exports OWNER parley_owner" >/dev/null || exit 1
    trial_client > "$dir/client.py"
    local started
    started=$EPOCHREALTIME
    if ! ( trial_env; "$bin" migrate && "$bin" seed --tenants 1 --messages "$EXPORT_TRIAL_MESSAGES" --months 1 ) > "$dir/seed.log" 2>&1; then
        log "export trials: FAILED: parley migrate or seed failed; its log:"
        tail -n 30 "$dir/seed.log" >&2
        exit 1
    fi
    log "export trials: $EXPORT_TRIAL_MESSAGES messages seeded in $(since "$started") s ($(grep -o '[0-9]* conversations' "$dir/seed.log" | tail -n 1))"
    ( trial_env; exec "$bin" serve ) > "$dir/server.log" 2>&1 &
    server_pid=$!
    local ready=""
    for _ in $(seq 1 150); do
        if curl -fsS --max-time 2 "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then ready=yes; break; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ -z "$ready" ]; then
        log "export trials: FAILED: parley serve did not become ready; its log:"
        tail -n 30 "$dir/server.log" >&2
        exit 1
    fi
    # The operator sets the seeded tenant's plan (enterprise) to allow the long export.
    local plan token=""
    plan=$(curl -s -X PUT "http://127.0.0.1:$api_port/v1/operator/plans/enterprise" \
        -H "Authorization: Bearer export-trials-operator-token-0123456789ab" -H 'Content-Type: application/json' \
        -d '{"exportEnabled":true,"exportRowCap":'"$EXPORT_TRIAL_MESSAGES"',"customRetentionAllowed":true}')
    token=$(curl -s -X POST "http://127.0.0.1:$api_port/v1/auth/login" -H 'Content-Type: application/json' \
        -d '{"tenant":"bench-0001","email":"admin@bench-0001.test","password":"bench-password-1"}' | client field accessToken)
    if [ -z "$token" ] || ! printf '%s' "$plan" | grep -q '"exportRowCap":'"$EXPORT_TRIAL_MESSAGES"; then
        log "export trials: FAILED: could not set the plan or sign in as the seeded admin; the plan: $plan"
        exit 1
    fi
    # Conversations for the small exports of trials 3 and 4: six groups of 20.
    local conversations
    conversations=$(api GET "/v1/conversations?limit=120" | client ids-in-groups 20)
    if [ "$(count_lines "$conversations")" -ne 6 ]; then
        log "export trials: FAILED: could not list 120 conversations"
        exit 1
    fi
    small_export() { api POST /v1/exports '{"format":"csv","conversationIds":['"$(sed -n "$1p" <<<"$conversations")"']}'; }
    local long_export='{"format":"xlsx","filter":{}}'

    # --- 1: kill -9 mid-job --------------------------------------------------------------------
    local first job id seen took rows_total listing files temp count out
    start_worker kill-first
    first=$worker_pid
    job=$(api POST /v1/exports "$long_export")
    id=$(client field id <<<"$job")
    if [ -z "$id" ]; then
        log "export trial 1 (kill -9 mid-job): FAILED: POST /v1/exports answered $job"
        failures+=("kill9-create")
    else
        started=$EPOCHREALTIME
        if seen=$(client wait "$id" 'j["status"] == "running" and j["rowsDone"] > 0' 60); then
            # What the worker has open in TMPDIR (libxlsxwriter's unlinked temporary files):
            # proof the rendering happens there, so an empty TMPDIR afterwards means something.
            temp=$(find "/proc/$first/fd" -lname "$scratch/*" 2>/dev/null | wc -l)
            kill -9 "$first"
            reap "$first"
            local killed_at=$EPOCHREALTIME
            log "export trial 1 (kill -9 mid-job): running $(since "$started") s after creation, at rowsDone $(client field rowsDone <<<"$seen") of $(client field rowsTotal <<<"$seen") with $temp file(s) open in TMPDIR; kill -9 sent"
            start_worker kill-second
            # Taken over when its lease runs out: at most the lease after the last renewal.
            if seen=$(client wait "$id" 'j["attempts"] == 2 and j["status"] == "running"' 30); then
                took=$(since "$killed_at")
                verdict kill9-takeover "$(awk -v t="$took" -v l="$EXPORT_TRIAL_LEASE" -v s="$EXPORT_TRIAL_SLACK" 'BEGIN { print (t <= l + s) ? "yes" : "no" }')" \
                    "1 (kill -9 mid-job): taken over ${took} s after kill -9 (lease ${EXPORT_TRIAL_LEASE} s; limit $(awk -v l="$EXPORT_TRIAL_LEASE" -v s="$EXPORT_TRIAL_SLACK" 'BEGIN { print l + s }') s)"
            else
                log "export trial 1 (kill -9 mid-job): FAILED: no second attempt within 30 s of kill -9: $(client summary <<<"$seen")"
                failures+=("kill9-takeover")
            fi
            seen=$(client wait "$id" 'j["status"] in ("succeeded", "failed", "cancelled")' 90)
            log "export trial 1 (kill -9 mid-job): second attempt done $(since "$killed_at") s after kill -9 ($(client duration <<<"$seen") s from the first start): $(client summary <<<"$seen")"
            verdict kill9-succeeded "$(client check 'j["status"] == "succeeded" and j["attempts"] == 2' <<<"$seen")" \
                "1 (kill -9 mid-job): status $(client field status <<<"$seen"), attempts $(client field attempts <<<"$seen") (want succeeded, 2)"
            listing=$(cd "$store" && find . -type f | sed 's|^\./||' | sort)
            files=$(store_files "$id")
            verdict kill9-one-file "$([ "$(count_lines "$files")" -eq 1 ] && grep -q "/exports/$id\.xlsx\$" <<<"$files" \
                    && [ "$(count_lines "$listing")" -eq 1 ] && echo yes)" \
                "1 (kill -9 mid-job): the store holds $(count_lines "$listing") file(s): ${listing//$'\n'/, } (want exactly …/exports/$id.xlsx)"
            temp=$(cd "$scratch" && ls -A)
            verdict kill9-no-temp "$([ -z "$temp" ] && echo yes)" "1 (kill -9 mid-job): worker TMPDIR after the takeover: ${temp:-empty} (want empty)"
            count=$(client notifications "$id" export.succeeded)
            verdict kill9-one-notification "$([ "$count" = 1 ] && echo yes)" \
                "1 (kill -9 mid-job): $count export.succeeded notification(s) for the job (want 1)"
            rows_total=$(client field rowsTotal <<<"$seen")
            out=$(curl -s -o "$dir/kill9.xlsx" -w '%{http_code}' --max-time 30 \
                "http://127.0.0.1:$api_port/v1/exports/$id/download" -H "Authorization: Bearer $token")
            count=$(client xlsx-rows "$dir/kill9.xlsx" Messages 2>&1)
            verdict kill9-complete-file "$([ "$out" = 200 ] && [ "$count" = "$((rows_total + 1))" ] && echo yes)" \
                "1 (kill -9 mid-job): download answered $out; openpyxl reads $count rows in sheet Messages (want rowsTotal $rows_total + header)"
        else
            log "export trial 1 (kill -9 mid-job): FAILED: the job never ran with rowsDone > 0: $(client summary <<<"$seen")"
            failures+=("kill9-running")
        fi
    fi
    stop_worker "$worker_pid"

    # --- 2: SIGTERM drain --------------------------------------------------------------------
    local rc limit killer other
    start_worker drain PARLEY_SHUTDOWN_TIMEOUT_SECONDS=$EXPORT_TRIAL_DRAIN_TIMEOUT
    local drainer=$worker_pid
    seen=""
    job=$(api POST /v1/exports "$long_export")
    id=$(client field id <<<"$job")
    started=$EPOCHREALTIME
    if [ -n "$id" ] && seen=$(client wait "$id" 'j["status"] == "running" and j["rowsDone"] > 0' 60); then
        local termed_at=$EPOCHREALTIME at_term
        at_term=$(client field rowsDone <<<"$seen")
        kill -TERM "$drainer"
        # Queued after the signal: a draining worker must leave it for the next one.
        other=$(small_export 1 | client field id)
        limit=$((EXPORT_TRIAL_DRAIN_TIMEOUT + EXPORT_TRIAL_EXIT_SLACK))
        python3 -c "import os, signal, time; time.sleep($limit + 5); os.kill($drainer, signal.SIGKILL)" 2>/dev/null &
        killer=$!
        reap "$drainer"; rc=$?
        took=$(since "$termed_at")
        kill "$killer" 2>/dev/null; { wait "$killer"; } 2>/dev/null
        seen=$(client wait "$id" 'True' 5)
        log "export trial 2 (SIGTERM drain): SIGTERM at rowsDone $at_term; the worker exited ${took} s later with status $rc; job ran $(client duration <<<"$seen") s: $(client summary <<<"$seen")"
        verdict drain-exit "$([ "$rc" = 0 ] && awk -v t="$took" -v b="$EXPORT_TRIAL_DRAIN_TIMEOUT" 'BEGIN { exit !(t <= b) }' && echo yes)" \
            "2 (SIGTERM drain, bound $EXPORT_TRIAL_DRAIN_TIMEOUT s): exit status $rc ${took} s after SIGTERM (want 0 within the bound)"
        verdict drain-finished "$(client check 'j["status"] == "succeeded" and j["attempts"] == 1' <<<"$seen")" \
            "2 (SIGTERM drain): job status $(client field status <<<"$seen"), attempts $(client field attempts <<<"$seen") (want succeeded, 1)"
        files=$(store_files "$id")
        verdict drain-file "$([ "$(count_lines "$files")" -eq 1 ] && echo yes)" "2 (SIGTERM drain): the job's files in the store: ${files:-none} (want one)"
        if [ -n "$other" ]; then
            seen=$(client wait "$other" 'True' 5)
            verdict drain-no-claim "$(client check 'j["status"] == "queued" and j["attempts"] == 0' <<<"$seen")" \
                "2 (SIGTERM drain): an export created after SIGTERM is $(client field status <<<"$seen") with attempts $(client field attempts <<<"$seen") once the worker is gone (want queued, 0)"
            api DELETE "/v1/exports/$other" >/dev/null   # out of the way of trial 3
        else
            log "export trial 2 (SIGTERM drain): FAILED: could not create the export queued during the drain"
            failures+=("drain-no-claim")
        fi
        grep -E '"msg":"(shutdown[^"]*|export succeeded)"' "$dir/drain.log" | sed 's/^/    /' >&2
    else
        log "export trial 2 (SIGTERM drain): FAILED: the job never ran with rowsDone > 0: ${seen:-$job}"
        failures+=("drain-running")
        stop_worker "$drainer"
    fi

    # --- 3: cancellation -----------------------------------------------------------------------
    local canceller deleted stopped bound
    start_worker cancel
    canceller=$worker_pid
    seen=""
    job=$(api POST /v1/exports "$long_export")
    id=$(client field id <<<"$job")
    if [ -n "$id" ] && seen=$(client wait "$id" 'j["status"] == "running" and j["rowsDone"] > 0' 60); then
        started=$EPOCHREALTIME
        deleted=$(api DELETE "/v1/exports/$id")
        # The worker learns of it at its next lease renewal (every lease/4) and stops at the next row.
        bound=$(awk -v l="$EXPORT_TRIAL_LEASE" -v s="$EXPORT_TRIAL_SLACK" 'BEGIN { print l / 4 * 2 + s }')
        if stopped=$(client wait-log "$dir/cancel.log" "$id" 'export stopped: cancelled or taken over' 30); then
            took=$(awk -v a="$started" -v b="$stopped" 'BEGIN { printf "%.2f", b - a }')
        else
            took="never (30 s)"
        fi
        verdict cancel-stopped "$(awk -v t="$took" -v b="$bound" 'BEGIN { print (t + 0 == t && t <= b) ? "yes" : "no" }')" \
            "3 (cancellation): DELETE at rowsDone $(client field rowsDone <<<"$seen") answered status $(client field status <<<"$deleted"); the worker stopped ${took} s later (limit $bound s: two renewals + slack)"
        sleep 1   # anything late (an upload, a notification) would show by now
        seen=$(client wait "$id" 'True' 5)
        files=$(store_files "$id")
        temp=$(cd "$scratch" && ls -A)
        verdict cancel-nothing-left "$(client check 'j["status"] == "cancelled"' <<<"$seen" | grep -q yes && [ -z "$files" ] && [ -z "$temp" ] && echo yes)" \
            "3 (cancellation): status $(client field status <<<"$seen"); its files in the store: ${files:-none}; worker TMPDIR: ${temp:-empty} (want cancelled, none, empty)"
        count=$(client notifications "$id" any)
        out=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$api_port/v1/exports/$id/download" \
            -H "Authorization: Bearer $token")
        verdict cancel-no-download "$([ "$count" = 0 ] && [ "$out" = 409 ] && client check '"downloadUrl" not in j' <<<"$seen" | grep -q yes && echo yes)" \
            "3 (cancellation): $count notification(s) about the cancelled job, download answered $out, downloadUrl $(client check '"downloadUrl" in j' <<<"$seen" | sed 's/yes/given/; s/no/absent/') (want 0, 409, absent)"
        other=$(small_export 2 | client field id)
        started=$EPOCHREALTIME
        seen=$(client wait "${other:-none}" 'j["status"] in ("succeeded", "failed", "cancelled")' 60)
        verdict cancel-goes-on "$(kill -0 "$canceller" 2>/dev/null && client check 'j["status"] == "succeeded" and j["attempts"] == 1' <<<"$seen")" \
            "3 (cancellation): the same worker then ran a small export in $(since "$started") s: $(client summary <<<"$seen")"
    else
        log "export trial 3 (cancellation): FAILED: the job never ran with rowsDone > 0: ${seen:-$job}"
        failures+=("cancel-running")
    fi
    stop_worker "$canceller"

    # --- 4: two workers, six jobs ----------------------------------------------------------
    local ids=() creators=() n a b
    start_worker pair-a; a=$worker_pid
    start_worker pair-b; b=$worker_pid
    sleep 1   # both started and polling, so both may claim
    started=$EPOCHREALTIME
    for n in 1 2 3 4 5 6; do
        small_export "$n" > "$dir/create-$n.json" &
        creators+=($!)
    done
    wait "${creators[@]}"
    for n in 1 2 3 4 5 6; do
        id=$(client field id < "$dir/create-$n.json")
        [ -n "$id" ] && ids+=("$id")
    done
    if [ ${#ids[@]} -ne 6 ]; then
        log "export trial 4 (two workers): FAILED: created ${#ids[@]} of 6 exports: $(cat "$dir"/create-*.json)"
        failures+=("pair-create")
    else
        local good=0 stored=0 notes=0 rows_ok=0 summary="" ran
        client wait-all 60 "${ids[@]}" > "$dir/pair.json"
        took=$(since "$started")
        for id in "${ids[@]}"; do
            seen=$(grep -F "\"$id\"" "$dir/pair.json")
            [ "$(client check 'j["status"] == "succeeded" and j["attempts"] == 1' <<<"$seen")" = yes ] && good=$((good + 1))
            summary+=" $(client field status <<<"$seen")/$(client field attempts <<<"$seen")/$(client duration <<<"$seen")s"
            [ "$(count_lines "$(store_files "$id")")" -eq 1 ] && stored=$((stored + 1))
            [ "$(client notifications "$id" export.succeeded)" = 1 ] && notes=$((notes + 1))
            curl -s -o "$dir/pair.csv" --max-time 30 "http://127.0.0.1:$api_port/v1/exports/$id/download" -H "Authorization: Bearer $token"
            [ "$(client csv-rows "$dir/pair.csv")" = "$(($(client field rowsTotal <<<"$seen") + 1))" ] && rows_ok=$((rows_ok + 1))
        done
        # Each job run once, by one of the two: its "export succeeded" line in exactly one log.
        ran=$(cat "$dir/pair-a.log" "$dir/pair-b.log" | grep '"msg":"export succeeded"' | grep -oE '"export_id":"[0-9a-f-]+"' | sort | uniq -c | awk '$1 == 1' | wc -l)
        log "export trial 4 (two workers): six exports done ${took} s after creation; status/attempts/run time:$summary;" \
            "worker a ran $(grep -c '"msg":"export succeeded"' "$dir/pair-a.log"), worker b $(grep -c '"msg":"export succeeded"' "$dir/pair-b.log")"
        verdict pair-once "$([ $good -eq 6 ] && [ "$ran" -eq 6 ] && echo yes)" \
            "4 (two workers): $good of 6 succeeded with attempts 1, $ran of 6 logged as done exactly once across both workers"
        verdict pair-files "$([ $stored -eq 6 ] && [ $rows_ok -eq 6 ] && echo yes)" \
            "4 (two workers): $stored of 6 with one file in the store, $rows_ok of 6 downloads with rowsTotal rows + header"
        verdict pair-notifications "$([ $notes -eq 6 ] && echo yes)" "4 (two workers): $notes of 6 with exactly one export.succeeded notification"
    fi
    stop_worker "$a"
    stop_worker "$b"

    local partial
    partial=$(cd "$store" && find . -name '*.partial' | sed 's|^\./||')
    verdict no-partial-files "$([ -z "$partial" ] && echo yes)" "all: partial upload files left in the store: ${partial:-none}"

    # The server's and the workers' (not the seeder's: it is setup, not under trial), by log.
    local complaints
    complaints=$(cd "$dir" && ls ./*.log | grep -vx ./seed.log | xargs grep -HE '"level":"(warning|error|critical)"' \
        | grep -v 'Connection creation failed' | sed 's|^\./||')
    if [ ${#failures[@]} -gt 0 ]; then
        if [ -n "$complaints" ]; then
            log "export trials: FAILED: ${failures[*]}; warnings and errors of the workers and the server:"
            printf '%s\n' "$complaints" | tail -n 30 | sed 's/^/    /' >&2
        else
            log "export trials: FAILED: ${failures[*]}; the workers and the server logged no warning or error"
        fi
        exit 1
    fi
    if [ -n "$complaints" ]; then
        log "export trials: $(count_lines "$complaints") warning(s) or error(s) logged by the workers and the server:"
        printf '%s\n' "$complaints" | tail -n 10 | sed 's/^/    /' >&2
    fi
    log "export trials: passed"
)

# The HTTP and file side of the trials, in Python: `wait ID CONDITION TIMEOUT` polls
# GET /v1/exports/ID every 0.1 s until CONDITION (a Python expression on the job `j`) holds
# and prints the job (exit 1 on timeout, printing the last); `wait-log FILE ID MESSAGE TIMEOUT`
# prints the time (epoch seconds) a worker's JSON log line MESSAGE for export ID appeared;
# `wait-all TIMEOUT ID…` waits for every job to finish and prints each, one a line;
# `field NAME`, `check CONDITION` (yes/no), `summary` and `duration` (startedAt to finishedAt,
# seconds) read a job on stdin; `notifications ID
# KIND|any` counts the admin's notifications about a job; `ids-in-groups N` turns a page of
# conversations into lines of N quoted ids; `xlsx-rows FILE SHEET`, `csv-rows FILE` count rows.
trial_client() {
    cat <<'PY'
import csv, json, os, sys, time, urllib.request

API, TOKEN = os.environ["TRIAL_API"], os.environ["TRIAL_TOKEN"]

def get(path):
    request = urllib.request.Request(API + path, headers={"Authorization": "Bearer " + TOKEN})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except Exception as error:
        return {"error": str(error)}

def stdin_json():
    try:
        return json.loads(sys.stdin.read() or "{}")
    except ValueError:
        return {}

command, args = sys.argv[1], sys.argv[2:]
if command == "wait":
    job_id, condition, timeout = args[0], args[1], float(args[2])
    deadline = time.monotonic() + timeout
    while True:
        job = get(f"/v1/exports/{job_id}")
        try:
            done = "error" not in job and eval(condition, {}, {"j": job})
        except Exception:
            done = False
        if done or time.monotonic() >= deadline:
            print(json.dumps(job))
            sys.exit(0 if done else 1)
        time.sleep(0.1)
elif command == "wait-log":
    path, job_id, message, timeout = args[0], args[1], args[2], float(args[3])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, encoding="utf-8", errors="replace") as log:
            for line in log:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("msg") == message and entry.get("export_id") == job_id:
                    print(f"{time.time():.3f}")
                    sys.exit(0)
        time.sleep(0.05)
    sys.exit(1)
elif command == "wait-all":
    timeout, job_ids = float(args[0]), args[1:]
    deadline, jobs = time.monotonic() + timeout, {}
    while True:
        for job_id in job_ids:
            if jobs.get(job_id, {}).get("status") not in ("succeeded", "failed", "cancelled"):
                jobs[job_id] = get(f"/v1/exports/{job_id}")
        if all(job.get("status") in ("succeeded", "failed", "cancelled") for job in jobs.values()) or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    for job_id in job_ids:
        print(json.dumps(jobs[job_id]))
elif command == "duration":
    from datetime import datetime
    j = stdin_json()
    try:
        seconds = datetime.fromisoformat(j["finishedAt"].replace("Z", "+00:00")) - datetime.fromisoformat(j["startedAt"].replace("Z", "+00:00"))
        print(f"{seconds.total_seconds():.2f}")
    except (KeyError, ValueError):
        print("?")
elif command == "field":
    value = stdin_json().get(args[0])
    print("" if value is None else value)
elif command == "check":
    try:
        print("yes" if eval(args[0], {}, {"j": stdin_json()}) else "no")
    except Exception:
        print("no")
elif command == "summary":
    j = stdin_json()
    print(", ".join(f"{key} {j[key]}" for key in ("status", "attempts", "rowsDone", "rowsTotal", "bytes", "error") if key in j)
          or "no job")
elif command == "notifications":
    job_id, kind = args
    items = get("/v1/notifications?limit=200").get("items", [])
    print(sum(1 for n in items if n.get("subjectId") == job_id and kind in ("any", n.get("kind"))))
elif command == "ids-in-groups":
    size = int(args[0])
    ids = [item["id"] for item in stdin_json().get("items", [])]
    for start in range(0, len(ids) - size + 1, size):
        print(",".join(json.dumps(i) for i in ids[start:start + size]))
elif command == "xlsx-rows":
    import openpyxl
    workbook = openpyxl.load_workbook(args[0], read_only=True)
    print(sum(1 for _ in workbook[args[1]].iter_rows(values_only=True)))
elif command == "csv-rows":
    with open(args[0], encoding="utf-8-sig", newline="") as file:
        print(sum(1 for _ in csv.reader(file)))
else:
    sys.exit(f"unknown command {command}")
PY
}
